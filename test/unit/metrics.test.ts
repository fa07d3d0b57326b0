// /metrics after real traffic: every metric name api.md promises, route labels that are
// patterns (never a session id), and prom-client's default process metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { MemorySessionStore } from '../../src/sessions/memory-session-store.js';

const API_MD_METRICS = [
  'http_request_duration_seconds',
  'rnn_steps_total',
  'rnn_step_duration_seconds',
  'rnn_sessions_active',
  'rnn_sessions_created_total',
  'rnn_sessions_expired_total',
  'rnn_websocket_connections',
  'rnn_models_loaded',
  'rnn_model_version_loaded',
  'rnn_model_load_failures_total',
  'rnn_model_load_duration_seconds',
];

async function appWithTraffic(t: test.TestContext) {
  const app = await buildApp({ config: loadConfig({ MODELS_DIR: FIXTURES_DIR }), logger: false });
  t.after(() => app.close());
  const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
  assert.equal(created.statusCode, 201, created.body);
  const sessionId = (created.json() as { session_id: string }).session_id;
  const step = await app.inject({
    method: 'POST',
    url: `/v1/sessions/${sessionId}/steps`,
    payload: { inputs: [[0.1, 0.2, 0.3]] },
  });
  assert.equal(step.statusCode, 200, step.body);
  const predict = await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: [[1, 2, 3]] } });
  assert.equal(predict.statusCode, 200, predict.body);
  assert.equal((await app.inject(`/v1/sessions/${sessionId}-unknown`)).statusCode, 404);
  assert.equal((await app.inject(`/no/such/route/${sessionId}`)).statusCode, 404);
  const metrics = await app.inject('/metrics');
  assert.equal(metrics.statusCode, 200);
  return { sessionId, metrics };
}

/** Label sets of the samples of one metric, e.g. the `route` of every http_request_duration_seconds_count. */
function labelValues(text: string, sample: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${sample}{`)) continue;
    const value = new RegExp(`[{,]${label}="([^"]*)"`).exec(line)?.[1];
    if (value !== undefined) values.add(value);
  }
  return values;
}

test('/metrics is Prometheus text with every metric api.md names', async (t) => {
  const { metrics } = await appWithTraffic(t);
  assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  for (const name of API_MD_METRICS) {
    assert.match(metrics.body, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exported`);
  }
});

test('HTTP metrics are labelled with route patterns, never a session id', async (t) => {
  const { sessionId, metrics } = await appWithTraffic(t);
  assert.ok(!metrics.body.includes(sessionId), 'no session id anywhere in /metrics');
  const routes = labelValues(metrics.body, 'http_request_duration_seconds_count', 'route');
  for (const route of ['/v1/sessions', '/v1/sessions/:id/steps', '/v1/models/:model/predict', '/v1/sessions/:id', 'unmatched']) {
    assert.ok(routes.has(route), `route="${route}" in ${[...routes].join(', ')}`);
  }
  for (const route of routes) assert.ok(route === 'unmatched' || route.startsWith('/'), route);
  const statuses = labelValues(metrics.body, 'http_request_duration_seconds_count', 'status_code');
  assert.ok(statuses.has('201') && statuses.has('200') && statuses.has('404'), [...statuses].join(', '));
  assert.deepEqual(labelValues(metrics.body, 'http_request_duration_seconds_count', 'method'), new Set(['GET', 'POST']));
});

test('inference metrics count the traffic by model and transport', async (t) => {
  const { metrics } = await appWithTraffic(t);
  assert.match(metrics.body, /^rnn_steps_total\{model="gru",transport="session"\} 1$/m);
  assert.match(metrics.body, /^rnn_steps_total\{model="gru",transport="predict"\} 1$/m);
  assert.match(metrics.body, /^rnn_sessions_created_total\{model="gru"\} 1$/m);
});

test("prom-client's default process and Node.js metrics are exported", async (t) => {
  const { metrics } = await appWithTraffic(t);
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    assert.match(metrics.body, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
});

test('two apps in one process keep separate registries', async (t) => {
  await appWithTraffic(t);
  const second = await buildApp({ config: loadConfig({ MODELS_DIR: FIXTURES_DIR }), logger: false });
  t.after(() => second.close());
  const metrics = (await second.inject('/metrics')).body;
  assert.doesNotMatch(metrics, /^rnn_sessions_created_total\{model="gru"\}/m);
});

test('HTTP request counts are exact per route, method and status, however the requests interleave', async (t) => {
  // The histogram's children are bound once per label set and reused: each must count only its own.
  const app = await buildApp({ config: loadConfig({ MODELS_DIR: FIXTURES_DIR }), logger: false });
  t.after(() => app.close());
  const plan: [string, string, number][] = [
    ['POST', '/v1/models/gru/predict', 3],
    ['GET', '/v1/models/gru', 5],
    ['GET', '/v1/models/nope', 2],
    ['POST', '/v1/models/nope/predict', 4],
    ['GET', '/no/such/route', 6],
  ];
  const round = Math.max(...plan.map(([, , count]) => count));
  for (let k = 0; k < round; k++) {
    for (const [method, url, count] of plan) {
      if (k >= count) continue;
      const response = await app.inject({ method: method as 'GET' | 'POST', url, ...(method === 'POST' ? { payload: { inputs: [[1, 2, 3]] } } : {}) });
      assert.ok([200, 404].includes(response.statusCode), response.body);
    }
  }
  const body = (await app.inject('/metrics')).body;
  const count = (method: string, route: string, status: number) =>
    Number(new RegExp(`^http_request_duration_seconds_count\\{method="${method}",route="${route.replace(/[/:]/g, '\\$&')}",status_code="${status}"\\} (\\d+)$`, 'm').exec(body)?.[1]);
  assert.equal(count('POST', '/v1/models/:model/predict', 200), 3);
  assert.equal(count('GET', '/v1/models/:model', 200), 5);
  assert.equal(count('GET', '/v1/models/:model', 404), 2);
  assert.equal(count('POST', '/v1/models/:model/predict', 404), 4);
  assert.equal(count('GET', 'unmatched', 404), 6);
});

/** A memory store whose countByModel fails for the first `failures` calls after `arm()`. */
class FlakyCountStore extends MemorySessionStore {
  private failuresLeft = 0;
  arm(failures: number): void {
    this.failuresLeft = failures;
  }
  override async countByModel(): Promise<Map<string, number>> {
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('count failed on purpose');
    }
    return super.countByModel();
  }
}

test('rnn_sessions_active: a failed count is tried once more; two in a row leave the scrape without samples, and say why', async (t) => {
  const store = new FlakyCountStore({ maxSessions: 100 });
  const app = await buildApp({ config: loadConfig({ MODELS_DIR: FIXTURES_DIR }), logger: false, sessionStore: store });
  t.after(() => app.close());
  assert.equal((await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } })).statusCode, 201);
  const active = async () => (await app.inject('/metrics')).body.split('\n').filter((line) => line.startsWith('rnn_sessions_active{'));

  store.arm(1);
  assert.deepEqual(await active(), ['rnn_sessions_active{model="gru"} 1'], 'the retry counted');
  assert.equal(app.inference.lastSessionCountError, undefined);

  store.arm(2);
  assert.deepEqual(await active(), [], 'no sample rather than a stale one');
  assert.match(String(app.inference.lastSessionCountError), /count failed on purpose/);

  assert.deepEqual(await active(), ['rnn_sessions_active{model="gru"} 1'], 'the next scrape counts again');
  assert.equal(app.inference.lastSessionCountError, undefined);
});

// The Grafana dashboard (deploy/grafana/rnn-serve.json) and the alert rules
// (deploy/prometheus/alerts.yml) against a real app's /metrics: every metric they query exists,
// with the type the query needs, so a renamed metric breaks this test and not a 3 a.m. page.
// Also: the dashboard is what scripts/write-dashboard.ts writes, and the operations gauges the
// rules rely on say what /readyz says. (promtool checks and unit-tests the rules in .ci/run.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { dashboardJson, DASHBOARD_PATH } from '../../scripts/write-dashboard.js';
import { buildTestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/metric-samples.js';
import { RedisPrefixes, RedisProxy, requireRedis } from '../helpers/redis.js';

const ALERTS_PATH = new URL('../../deploy/prometheus/alerts.yml', import.meta.url);

/** Series Prometheus makes itself, not the server. */
const PROMETHEUS_SERIES = new Set(['up']);
const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'rate', 'irate', 'increase', 'histogram_quantile', 'by', 'without', 'on',
  'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'topk', 'bottomk', 'abs', 'clamp_min',
]);

/** Metric names a PromQL expression reads: identifiers outside label matchers, groupings and ranges. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, ' ') // label matchers {route="..."}
    .replace(/\[[^\]]*\]/g, ' ') // ranges [5m], [$__rate_interval]
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/"[^"]*"/g, ' ');
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((word) => !PROMQL_WORDS.has(word));
}

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
}

function alertExpressions(): string[] {
  const rules = parse(readFileSync(ALERTS_PATH, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  return rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

/** `# TYPE name kind` lines of an exposition: name -> kind. */
function exportedTypes(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The exported metric a queried series belongs to, and the type it must have. */
function resolve(series: string, types: Map<string, string>): { metric: string; needs?: string } {
  if (types.has(series)) return { metric: series };
  const suffix = /_(bucket|sum|count)$/.exec(series);
  if (suffix) return { metric: series.slice(0, -suffix[0].length), needs: suffix[1] === 'bucket' ? 'histogram' : 'histogram|summary' };
  return { metric: series };
}

describe('dashboard and alert rules against /metrics', () => {
  let app: FastifyInstance;
  let metricsText: string;

  before(async () => {
    app = await buildTestApp({ MAX_SESSIONS: '1234' });
    // Traffic on every transport, so the labelled series have samples too.
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
    assert.equal(created.statusCode, 201, created.body);
    const { session_id: id } = created.json() as { session_id: string };
    assert.equal((await app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: [[0.1, 0.2, 0.3]] } })).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: [[1, 2, 3]] } })).statusCode, 200);
    metricsText = (await app.inject('/metrics')).body;
  });
  after(() => app.close());

  it('the committed dashboard is what scripts/write-dashboard.ts writes', () => {
    assert.equal(readFileSync(DASHBOARD_PATH, 'utf8'), dashboardJson(), 'run `npx tsx scripts/write-dashboard.ts`');
  });

  for (const [what, expressions] of [
    ['dashboard', dashboardExpressions()],
    ['alert rules', alertExpressions()],
  ] as const) {
    it(`every metric the ${what} query is exported, with the type the query needs`, () => {
      const types = exportedTypes(metricsText);
      const names = new Set(expressions.flatMap(metricNames));
      assert.ok(names.size >= 5, `found the metrics of the ${what}: ${[...names].join(', ')}`);
      for (const series of names) {
        if (PROMETHEUS_SERIES.has(series)) continue;
        const { metric, needs } = resolve(series, types);
        const type = types.get(metric);
        assert.ok(type !== undefined, `${series} (${what}) is not in /metrics`);
        if (needs !== undefined) assert.match(type, new RegExp(`^(${needs})$`), `${series} needs a ${needs}, ${metric} is a ${type}`);
      }
    });
  }

  it('the dashboard covers what operators look at', () => {
    const used = new Set(dashboardExpressions().flatMap(metricNames).map((name) => name.replace(/_(bucket|sum|count)$/, '')));
    for (const metric of [
      'http_request_duration_seconds', 'rnn_steps_total', 'rnn_batch_size', 'rnn_batch_queue_seconds', 'rnn_sessions_active',
      'rnn_sessions_created_total', 'rnn_sessions_expired_total', 'rnn_websocket_connections', 'rnn_store_errors_total',
      'nodejs_eventloop_lag_p99_seconds', 'rnn_ready',
    ]) {
      assert.ok(used.has(metric), `a panel shows ${metric}`);
    }
  });

  it('metricNames reads metric names, not functions, labels or ranges', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.99, sum by (le, model) (rate(rnn_step_duration_seconds_bucket{model=~"a.*"}[5m]))) > 0.05'),
      ['rnn_step_duration_seconds_bucket'],
    );
    assert.deepEqual(metricNames('sum by (instance) (rnn_sessions_active) / max by (instance) (rnn_max_sessions) > 0.9'), ['rnn_sessions_active', 'rnn_max_sessions']);
  });

  it('rnn_ready, rnn_session_store_up and rnn_max_sessions say what /readyz and the config say', async () => {
    const text = (await app.inject('/metrics')).body;
    assert.equal((await app.inject('/readyz')).statusCode, 200);
    assert.equal(metricValue(text, 'rnn_ready'), 1);
    assert.equal(metricValue(text, 'rnn_session_store_up'), 1);
    assert.equal(metricValue(text, 'rnn_max_sessions'), 1234);
  });
});

describe('operations metrics while Redis is away', () => {
  const prefixes = new RedisPrefixes();
  const proxy = new RedisProxy();
  let app: FastifyInstance;

  before(async () => {
    await requireRedis();
    await proxy.start();
    app = await buildTestApp({ SESSION_STORE: 'redis', REDIS_URL: proxy.url, REDIS_KEY_PREFIX: prefixes.create('dashboards') });
  });
  after(async () => {
    await app.close();
    await proxy.stop();
    await prefixes.deleteAll();
  });

  it('readiness and store gauges drop to 0 and refused requests count as store errors, by route', async () => {
    await proxy.stop();
    const refused = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
    assert.equal(refused.statusCode, 503, refused.body);
    assert.equal((refused.json() as { code: string }).code, 'STORE_UNAVAILABLE');
    const text = (await app.inject('/metrics')).body;
    assert.equal(metricValue(text, 'rnn_ready'), 0);
    assert.equal(metricValue(text, 'rnn_session_store_up'), 0);
    assert.equal(metricValue(text, 'rnn_store_errors_total', '{route="/v1/sessions"}'), 1);

    await proxy.start();
    for (let attempt = 0; attempt < 50; attempt++) {
      if ((await app.inject('/readyz')).statusCode === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const back = (await app.inject('/metrics')).body;
    assert.equal(metricValue(back, 'rnn_ready'), 1, 'ready again once Redis answers');
    assert.equal(metricValue(back, 'rnn_session_store_up'), 1);
  });
});

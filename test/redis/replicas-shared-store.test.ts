// App instances on one Redis key prefix, in one process: replicas of a deployment as far as
// sessions go. A rolling upgrade (same model name, other package bytes) is refused with 409
// MODEL_MISMATCH instead of stepping a state with weights it was not made with, and the session
// metrics hold across replicas: rnn_sessions_active is the shared store's count on every replica,
// and each expiry is counted by exactly one of them. On the single Redis and on a local Redis
// Cluster (test/helpers/store-targets.ts), the metrics also with the index in 3 partitions.
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { assertError, buildTestApp, makeModelsDir, ManualClock } from '../helpers/app.js';
import { metricValue } from '../helpers/metric-samples.js';
import { storeTargets, type StoreTarget } from '../helpers/store-targets.js';

const apps: FastifyInstance[] = [];
// Registered first, so the apps close before their Redis (or cluster) goes away.
after(() => Promise.all(apps.map((app) => app.close())));
const targets = await storeTargets();

let lastPrefix = '';

/**
 * What Redis holds of the index and, on a cluster, each node's view of the failovers: printed
 * with a failed count, so a failure says whether the bookkeeping was wrong or a write was lost.
 */
async function indexDiagnostics(target: StoreTarget): Promise<string> {
  const lines: string[] = [];
  for (const key of await target.keys(lastPrefix)) {
    if (key.endsWith(':expiries')) lines.push(`${key}: ${JSON.stringify(await target.admin.zrange(key, '0', '-1', 'WITHSCORES'))}`);
    if (key.endsWith(':models')) lines.push(`${key}: ${JSON.stringify(await target.admin.hgetall(key))}`);
  }
  for (const port of target.cluster?.ports ?? []) {
    const info = String(await target.cluster!.command(port, 'CLUSTER', 'INFO').catch((error: unknown) => String(error)));
    lines.push(`node ${port}: ${info.split(/\r?\n/).filter((line) => /state|epoch|failover/.test(line)).join(' ')}`);
  }
  return lines.join('\n');
}

/** Apps sharing one prefix (and a clock, when given), closed after the file. */
async function replicas(target: StoreTarget, envs: readonly Record<string, string>[], clock?: ManualClock): Promise<FastifyInstance[]> {
  const prefix = target.newPrefix('replicas');
  lastPrefix = prefix;
  // One after another: building apps blocks the event loop (model loading), several at once on a
  // loaded machine for longer than the Redis connect timeout, and a store whose first connection
  // attempt timed out answers 503 until it has reconnected.
  const built: FastifyInstance[] = [];
  for (const env of envs) {
    built.push(await buildTestApp({ SESSION_STORE: 'redis', ...target.env, REDIS_KEY_PREFIX: prefix, ...env }, clock ? { clock: clock.now } : {}));
  }
  apps.push(...built);
  return built;
}

const x = [0.5, -0.25, 1];

async function step(app: FastifyInstance, id: string) {
  return app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: [x] } });
}

function rollingUpgrade(target: StoreTarget): void {
describe(`${target.name}: a rolling upgrade: two replicas serve different packages under one model name`, async () => {
  // The same weights and shapes with another version in config.json: other package bytes.
  const upgraded = makeModelsDir(['gru']);
  after(upgraded.cleanup);
  const configPath = join(upgraded.dir, 'gru', 'config.json');
  writeFileSync(configPath, JSON.stringify({ ...(JSON.parse(readFileSync(configPath, 'utf8')) as object), version: '2' }));
  // An LSTM of other sizes under the name 'gru': a package of another state shape.
  const reshaped = makeModelsDir(['lstm_2layer']);
  after(reshaped.cleanup);
  renameSync(join(reshaped.dir, 'lstm_2layer'), join(reshaped.dir, 'gru'));
  // Built when the suite runs, not when it is declared: the suites of both targets building their
  // apps at once block the event loop long enough for Redis connection attempts to time out.
  let oldReplica: FastifyInstance | undefined;
  let newReplica: FastifyInstance | undefined;
  let reshapedReplica: FastifyInstance | undefined;
  before(async () => {
    [oldReplica, newReplica, reshapedReplica] = await replicas(target, [{}, { MODELS_DIR: upgraded.dir }, { MODELS_DIR: reshaped.dir }]);
  });

  it('serves the package as loaded (sanity: the copy is a different package of the same shape)', async () => {
    const [before, after] = await Promise.all([oldReplica!.inject('/v1/models/gru'), newReplica!.inject('/v1/models/gru')]);
    // The same repository version (flat packages are version 1), other package bytes.
    assert.equal((before.json() as { package_version: string }).package_version, '1');
    assert.equal((after.json() as { package_version: string }).package_version, '2');
    assert.equal((after.json() as { version: string }).version, '1');
  });

  it('a session made on the old package is refused on the new one with 409 MODEL_MISMATCH, unchanged', async () => {
    const created = await oldReplica!.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
    const id = (created.json() as { session_id: string }).session_id;
    const first = await step(oldReplica!, id);
    assert.equal(first.statusCode, 200, first.body);

    const refused = await step(newReplica!, id);
    assertError(refused, 409, 'MODEL_MISMATCH', `session '${id}' was created with another package of model 'gru' than the one loaded now; reset it or create a new session`);
    // Same state shape: the state can still be read there, and nothing moved.
    const read = await newReplica!.inject(`/v1/sessions/${id}`);
    assert.equal(read.statusCode, 200);
    assert.equal((read.json() as { t: number }).t, 1);
    assert.equal((await step(oldReplica!, id)).statusCode, 200, 'the old replica still serves it');
  });

  it('a reset on the new replica moves the session to the new package; then the old one refuses it', async () => {
    const created = await oldReplica!.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
    const id = (created.json() as { session_id: string }).session_id;
    assert.equal((await step(oldReplica!, id)).statusCode, 200);
    const reset = await newReplica!.inject({ method: 'POST', url: `/v1/sessions/${id}/reset`, payload: {} });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal((await step(newReplica!, id)).statusCode, 200);
    assertError(await step(oldReplica!, id), 409, 'MODEL_MISMATCH');
  });

  it('a package of another state shape under the same name refuses even reading the state', async () => {
    const created = await oldReplica!.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
    const id = (created.json() as { session_id: string }).session_id;
    assertError(await reshapedReplica!.inject(`/v1/sessions/${id}`), 409, 'MODEL_MISMATCH');
    const inputs = [[1, 2, 3, 4, 5]]; // the LSTM's input size: only the package can refuse it
    assertError(await reshapedReplica!.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs } }), 409, 'MODEL_MISMATCH');
  });
});

}

function metricsAcrossReplicas(target: StoreTarget, partitions: number): void {
describe(`${target.name}, index in ${partitions} partition(s): metrics across replicas`, async () => {
  const clock = new ManualClock(Date.now());
  let first: FastifyInstance | undefined;
  let second: FastifyInstance | undefined;
  before(async () => {
    [first, second] = await replicas(target, [{ REDIS_INDEX_PARTITIONS: String(partitions) }, { REDIS_INDEX_PARTITIONS: String(partitions) }], clock);
  });

  const scrape = async (app: FastifyInstance): Promise<string> => {
    const response = await app.inject('/metrics');
    assert.equal(response.statusCode, 200);
    return response.body;
  };

  it('rnn_sessions_active is the shared count on every replica; each expiry is counted once in total', async () => {
    const create = (app: FastifyInstance, model: string, ttlSeconds: number) =>
      app.inject({ method: 'POST', url: '/v1/sessions', payload: { model, ttl_seconds: ttlSeconds } });
    const created = await Promise.all([
      create(first!, 'gru', 1),
      create(first!, 'gru', 1),
      create(second!, 'gru', 1),
      create(second!, 'lstm', 1),
      create(first!, 'gru', 600),
      create(second!, 'lstm', 600),
    ]);
    for (const response of created) assert.equal(response.statusCode, 201, response.body);

    for (const app of [first!, second!]) {
      const text = await scrape(app);
      assert.equal(metricValue(text, 'rnn_sessions_active', '{model="gru"}'), 4);
      assert.equal(metricValue(text, 'rnn_sessions_active', '{model="lstm"}'), 2);
    }

    clock.advance(2000); // the four 1-second sessions are over
    const texts = [await scrape(first!), await scrape(second!), await scrape(first!)];
    for (const [i, text] of texts.entries()) {
      const active = ['gru', 'lstm'].map((model) => metricValue(text, 'rnn_sessions_active', `{model="${model}"}`));
      if (active[0] !== 1 || active[1] !== 1) {
        const samples = text.split('\n').filter((line) => line.startsWith('rnn_sessions_active')).join('; ') || 'none';
        const countErrors = [first!, second!].map((app, k) => `replica ${k}: ${String(app.inference.lastSessionCountError ?? 'counted')}`).join('; ');
        assert.fail(
          `scrape ${i}: rnn_sessions_active gru ${active[0]}, lstm ${active[1]}, expected 1 and 1 (samples: ${samples}; last count: ${countErrors}); Redis holds:\n${await indexDiagnostics(target)}`,
        );
      }
    }
    // Counters are per replica; Prometheus sums them. Whichever replica swept, the sum is exact.
    const [firstNow, secondNow] = [texts[2]!, texts[1]!];
    const total = (name: string, model: string) => metricValue(firstNow, name, `{model="${model}"}`) + metricValue(secondNow, name, `{model="${model}"}`);
    assert.equal(total('rnn_sessions_expired_total', 'gru'), 3);
    assert.equal(total('rnn_sessions_expired_total', 'lstm'), 1);
    assert.equal(total('rnn_sessions_created_total', 'gru'), 4);
    assert.equal(total('rnn_sessions_created_total', 'lstm'), 2);
  });
});
}

for (const target of targets) {
  rollingUpgrade(target);
  metricsAcrossReplicas(target, 1);
}
metricsAcrossReplicas(targets[1]!, 3);

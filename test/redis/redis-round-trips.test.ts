// What a step costs in Redis round trips, and that the records a replica holds to save them
// never give a wrong answer. A replica keeps the record of every session it serves (redis-session-
// store.ts): a step computes from it and writes with one compare-and-set, one round trip; the
// compare-and-sets of one engine batch leave in one pipeline, one round trip for the batch. When
// another replica wrote meanwhile, the compare-and-set fails, the replica reads the session again
// and recomputes: the results are bit-identical to one replica stepping alone. Counted with the
// store's own round-trip counter (the writes to its socket, rnn_session_store_round_trips_total).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { metricValue } from '../helpers/metric-samples.js';
import { RedisPrefixes, requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { createRedisSessionStore, type RedisSessionStore } from '../../src/sessions/redis-session-store.js';

await requireRedis();
const prefixes = new RedisPrefixes();
after(() => prefixes.deleteAll());

interface Replica {
  readonly app: FastifyInstance;
  readonly store: RedisSessionStore;
}

async function replica(prefix: string, servedSessions?: number): Promise<Replica> {
  const store = createRedisSessionStore({
    url: TEST_REDIS_URL,
    keyPrefix: prefix,
    maxSessions: 1000,
    // No background sweep during a test: its round trips would be counted with the steps'.
    sweepIntervalMs: 3_600_000,
    ...(servedSessions !== undefined ? { servedSessions } : {}),
  });
  const app = await buildTestApp({ SESSION_STORE: 'redis' }, { sessionStore: store });
  after(() => app.close());
  await store.ping();
  return { app, store };
}

/** A memory-store app: the reference every Redis answer must equal, bit for bit. */
const reference = await buildTestApp();
after(() => reference.close());

const inputsAt = (k: number): number[][] => [[Math.sin(k), Math.cos(3 * k), k / 7]];

async function create(app: FastifyInstance): Promise<string> {
  const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'lstm' } });
  assert.equal(created.statusCode, 201, created.body);
  return (created.json() as { session_id: string }).session_id;
}

async function step(app: FastifyInstance, id: string, k: number, expectedT?: number): Promise<{ t: number; outputs: number[][] }> {
  const payload = { inputs: inputsAt(k), ...(expectedT !== undefined ? { expected_t: expectedT } : {}) };
  const reply = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload });
  assert.equal(reply.statusCode, 200, reply.body);
  return reply.json() as { t: number; outputs: number[][] };
}

/** The round trips `store` made while `action` ran. */
async function roundTripsDuring(store: RedisSessionStore, action: () => Promise<unknown>): Promise<number> {
  const before = store.roundTrips;
  await action();
  return store.roundTrips - before;
}

/** What stepping a fresh session with inputsAt(0..n-1), one request each, answers on the reference app. */
async function referenceOutputs(n: number): Promise<number[][][]> {
  const id = await create(reference);
  const outputs: number[][][] = [];
  for (let k = 0; k < n; k++) outputs.push((await step(reference, id, k)).outputs);
  return outputs;
}

describe('round trips per step', async () => {
  const { app, store } = await replica(prefixes.create('round-trips'));

  it('a step of a session this replica serves is one round trip (one compare-and-set, no read)', async () => {
    const id = await create(app);
    for (let k = 0; k < 5; k++) {
      assert.equal(await roundTripsDuring(store, () => step(app, id, k)), 1, `step ${k}`);
    }
  });

  it('the steps of one engine batch share one round trip, however many sessions are in it', async () => {
    const SESSIONS = 32;
    const ids = await Promise.all(Array.from({ length: SESSIONS }, () => create(app)));
    const batchesBefore = metricValue((await app.inject('/metrics')).body, 'rnn_batch_size_count', '{model="lstm"}');
    const trips = await roundTripsDuring(store, () => Promise.all(ids.map((id, i) => step(app, id, i))));
    const batches = metricValue((await app.inject('/metrics')).body, 'rnn_batch_size_count', '{model="lstm"}') - batchesBefore;
    assert.ok(batches >= 1 && batches < SESSIONS, `${batches} engine batches for ${SESSIONS} sessions`);
    assert.equal(trips, batches, `${trips} round trips for ${batches} batches of ${SESSIONS} sessions`);
  });
});

describe('two replicas writing one session', async () => {
  const prefix = prefixes.create('stale-records');
  const [first, second] = [await replica(prefix), await replica(prefix)];

  it("a record made stale by the other replica's write is read again and the step recomputed, bit-identical", async () => {
    const want = await referenceOutputs(4);
    const id = await create(first.app);
    assert.deepEqual((await step(first.app, id, 0)).outputs, want[0]);
    assert.deepEqual((await step(second.app, id, 1)).outputs, want[1], 'the second replica reads what the first wrote');
    // The first replica's record is at t = 1: its compare-and-set fails, it reads, recomputes, writes.
    let third: { t: number; outputs: number[][] } | undefined;
    const trips = await roundTripsDuring(first.store, async () => (third = await step(first.app, id, 2)));
    assert.equal(third!.t, 3);
    assert.deepEqual(third!.outputs, want[2], 'computed from the state the other replica wrote');
    assert.equal(trips, 3, 'a failed compare-and-set, a read, a compare-and-set');
    assert.deepEqual((await step(first.app, id, 3)).outputs, want[3]);
    const read = (await second.app.inject(`/v1/sessions/${id}`)).json() as { t: number };
    assert.equal(read.t, 4);
  });

  it('expected_t is checked against the stored session, not a stale record', async () => {
    const id = await create(first.app);
    await step(first.app, id, 0);
    await step(second.app, id, 1);
    // The first replica holds t = 1, the store has t = 2: expected_t 2 is right.
    assert.equal((await step(first.app, id, 2, 2)).t, 3);
    const refused = await first.app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: inputsAt(3), expected_t: 2 } });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal((refused.json() as { code: string }).code, 'SEQUENCE_CONFLICT');
  });

  it('a session deleted by the other replica is SESSION_NOT_FOUND here, not stepped from the held record', async () => {
    const id = await create(first.app);
    await step(first.app, id, 0);
    assert.equal((await second.app.inject({ method: 'DELETE', url: `/v1/sessions/${id}` })).statusCode, 204);
    const refused = await first.app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: inputsAt(1) } });
    assert.equal(refused.statusCode, 404, refused.body);
    assert.equal((refused.json() as { code: string }).code, 'SESSION_NOT_FOUND');
  });
});

describe('a replica that holds fewer records than it serves', async () => {
  // Room for two records, three sessions stepped in turn: each step finds its record evicted.
  const { app, store } = await replica(prefixes.create('evicted'), 2);

  it('a session whose record was evicted is read back and stepped exactly as if it had stayed', async () => {
    const want = await referenceOutputs(3);
    const ids = [await create(app), await create(app), await create(app)];
    for (let k = 0; k < 3; k++) {
      for (const id of ids) {
        let answer: { t: number; outputs: number[][] } | undefined;
        const trips = await roundTripsDuring(store, async () => (answer = await step(app, id, k)));
        assert.equal(answer!.t, k + 1);
        assert.deepEqual(answer!.outputs, want[k], `session ${id} at step ${k}`);
        assert.equal(trips, 2, 'evicted: a read, then the compare-and-set');
      }
    }
  });
});

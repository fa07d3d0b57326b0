// Resident sessions on Redis: a step runs from the session's slot and writes the slot's new row
// in its one compare-and-set, so a step is still one round trip and one engine batch one round
// trip, an answer is in Redis before it is sent (a fresh reader sees it), another replica's
// write is detected (the slot is dropped, the session read again and recomputed, bit-identical),
// and a session evicted from its slot is brought back from the record this replica holds.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { assertError, buildTestApp } from '../helpers/app.js';
import { RedisPrefixes, requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { createRedisSessionStore, type RedisSessionStore } from '../../src/sessions/redis-session-store.js';

await requireRedis();
const prefixes = new RedisPrefixes();
after(() => prefixes.deleteAll());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Replica {
  readonly app: FastifyInstance;
  readonly store: RedisSessionStore;
}

function redisStore(prefix: string): RedisSessionStore {
  // No background sweep during a test: its round trips would be counted with the steps'.
  return createRedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefix, maxSessions: 1000, sweepIntervalMs: 3_600_000 });
}

async function replica(prefix: string, env: Record<string, string> = {}): Promise<Replica> {
  const store = redisStore(prefix);
  const app = await buildTestApp({ SESSION_STORE: 'redis', ...env }, { sessionStore: store });
  after(() => app.close());
  await store.ping();
  return { app, store };
}

/** The reference: memory store, no slots. */
const reference = await buildTestApp({ SESSION_SLOTS: '0' });
after(() => reference.close());

const inputAt = (k: number): number[] => [Math.sin(k), Math.cos(3 * k), k / 7];

async function create(app: FastifyInstance): Promise<string> {
  const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'lstm' } });
  assert.equal(created.statusCode, 201, created.body);
  return (created.json() as { session_id: string }).session_id;
}

async function step(app: FastifyInstance, id: string, k: number): Promise<Json> {
  const reply = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: [inputAt(k)], return_state: true } });
  assert.equal(reply.statusCode, 200, reply.body);
  return reply.json();
}

async function roundTripsDuring(store: RedisSessionStore, action: () => Promise<unknown>): Promise<number> {
  const before = store.roundTrips;
  await action();
  return store.roundTrips - before;
}

async function referenceSteps(n: number): Promise<Json[]> {
  const id = await create(reference);
  const answers: Json[] = [];
  for (let k = 0; k < n; k++) answers.push(await step(reference, id, k));
  return answers;
}

const want = await referenceSteps(6);

describe('resident sessions on Redis', async () => {
  const prefix = prefixes.create('slots');
  const { app, store } = await replica(prefix);
  const reader = redisStore(prefix);
  after(() => reader.close());

  it('a resident step is one round trip, and what it answered is in Redis when the answer arrives', async () => {
    const id = await create(app);
    for (let k = 0; k < 4; k++) {
      let answer: Json | undefined;
      assert.equal(await roundTripsDuring(store, async () => (answer = await step(app, id, k))), 1, `step ${k}`);
      assert.ok(app.inference.isResident(id));
      assert.deepEqual(answer!.outputs, want[k]!.outputs);
      const stored = await reader.get(id);
      assert.equal(stored?.t, k + 1);
      // The answer prints float32 values in their shortest form: read back as float32, bit for bit.
      const answered = [...want[k]!.state.h.flat(), ...want[k]!.state.c.flat()].map(Math.fround);
      assert.deepEqual(Array.from(stored!.state), answered, 'the row is in Redis');
    }
  });

  it('the resident steps of one engine batch leave in one round trip', async () => {
    const ids = await Promise.all(Array.from({ length: 16 }, () => create(app)));
    await Promise.all(ids.map((id) => step(app, id, 0)));
    assert.ok(ids.every((id) => app.inference.isResident(id)));
    let answers: Json[] = [];
    const trips = await roundTripsDuring(store, async () => (answers = await Promise.all(ids.map((id) => step(app, id, 1)))));
    for (const answer of answers) assert.deepEqual(answer.outputs, want[1]!.outputs);
    // One flush normally takes all 16; a loaded machine may split them, never into one trip each.
    assert.ok(trips >= 1 && trips < ids.length, `${trips} round trips for ${ids.length} resident steps`);
  });

  it('evicted from its slot (one slot, two sessions in turn), a session is brought back from the held record: still one round trip', async () => {
    const slotsOnly = await replica(prefix, { SESSION_SLOTS: '1' });
    const [a, b] = [await create(slotsOnly.app), await create(slotsOnly.app)];
    for (let k = 0; k < 3; k++) {
      for (const session of [a, b]) {
        let answer: Json | undefined;
        const trips = await roundTripsDuring(slotsOnly.store, async () => (answer = await step(slotsOnly.app, session, k)));
        assert.deepEqual(answer!.outputs, want[k]!.outputs, `session ${session}, step ${k}`);
        assert.equal(trips, 1, 'the state comes from the held record, not from a read');
      }
      assert.equal(slotsOnly.app.inference.sessionsResident, 1);
    }
  });

});

describe('two replicas, one resident session', async () => {
  const prefix = prefixes.create('slots-stale');
  const [first, second] = [await replica(prefix), await replica(prefix)];

  it("another replica's write makes the slot stale: dropped, read again, recomputed, bit-identical", async () => {
    const id = await create(first.app);
    assert.deepEqual((await step(first.app, id, 0)).outputs, want[0]!.outputs);
    assert.ok(first.app.inference.isResident(id));
    assert.deepEqual((await step(second.app, id, 1)).outputs, want[1]!.outputs, 'the other replica reads what the first wrote');
    let third: Json | undefined;
    const trips = await roundTripsDuring(first.store, async () => (third = await step(first.app, id, 2)));
    assert.equal(third!.t, 3);
    assert.deepEqual(third!.outputs, want[2]!.outputs, 'from the state the other replica wrote, not the slot');
    assert.equal(trips, 3, 'a failed compare-and-set, a read, a compare-and-set');
    assert.deepEqual((await step(first.app, id, 3)).outputs, want[3]!.outputs);
    assert.ok(first.app.inference.isResident(id), 'resident again');
  });

  it('a resident session deleted or reset by the other replica is not stepped from the slot', async () => {
    const id = await create(first.app);
    await step(first.app, id, 0);
    await step(first.app, id, 1);
    const reset = await second.app.inject({ method: 'POST', url: `/v1/sessions/${id}/reset`, payload: {} });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.deepEqual((await step(first.app, id, 0)).outputs, want[0]!.outputs, 'from the reset state');
    assert.equal((await second.app.inject({ method: 'DELETE', url: `/v1/sessions/${id}` })).statusCode, 204);
    const refused = await first.app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: [inputAt(1)] } });
    assertError(refused, 404, 'SESSION_NOT_FOUND');
  });
});

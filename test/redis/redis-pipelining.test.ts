// Steps of concurrent sessions share their Redis round trips: the compare-and-sets of one engine
// batch leave in one write (the store's own pipeline, see redis-session-store.ts compareAndSet).
// Counted on the store's socket.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import { RedisPrefixes, requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { Redis } from 'ioredis';
import { createRedisSessionStore } from '../../src/sessions/redis-session-store.js';

await requireRedis();
const prefixes = new RedisPrefixes();
const keyPrefix = prefixes.create('pipelining');
const store = createRedisSessionStore({ url: TEST_REDIS_URL, keyPrefix, maxSessions: 1000 });
const app = await buildTestApp({ SESSION_STORE: 'redis' }, { sessionStore: store });
after(async () => {
  await app.close();
  await prefixes.deleteAll();
});

/** The store's writes to Redis (socket writes, a pipeline counts once) while `action` runs. */
async function writesDuring(action: () => Promise<unknown>): Promise<number> {
  const before = store.connection.roundTrips;
  await action();
  return store.connection.roundTrips - before;
}

it('32 sessions stepped at once cost a few writes to Redis, not one per command', async () => {
  const SESSIONS = 32;
  const ids = await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'lstm' } });
      return (created.json() as { session_id: string }).session_id;
    }),
  );
  await store.ping();
  const writes = await writesDuring(async () => {
    const replies = await Promise.all(
      ids.map((id) => app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: [[1, 2, 3]] } })),
    );
    for (const reply of replies) assert.equal(reply.statusCode, 200, reply.body);
  });
  // The sessions' records are held since their creation: no reads, and one write per engine
  // batch for its compare-and-sets; without pipelining, 32 or more.
  assert.ok(writes <= 4, `${writes} writes for ${2 * SESSIONS} commands`);
});

it('the writes of one batch settle one by one: a write Redis refuses fails alone, the others land', async () => {
  const now = Date.now();
  const records = [0, 1, 2].map((i) => ({
    id: `settle-${process.pid}-${i}-${now}`,
    model: 'lstm',
    modelIdentity: 'sha256:abc',
    t: 0,
    version: 0,
    state: Float32Array.from([i, 1, 2]),
    createdAt: now,
    ttlSeconds: 60,
    expiresAt: now + 60_000,
  }));
  for (const record of records) await store.create(record);
  // The middle session's key no longer holds a hash: its compare-and-set script errors (WRONGTYPE).
  const redis = new Redis(TEST_REDIS_URL);
  const brokenKey = store.keys.session(records[1]!.id);
  await redis.del(brokenKey);
  await redis.set(brokenKey, 'not a hash', 'PX', 60_000);
  await store.ping();
  const before = store.connection.roundTrips;
  // One synchronous run: the three writes leave in one pipeline.
  const outcomes = await Promise.allSettled(
    records.map((record) => store.compareAndSet(record.id, 0, { ...record, t: 1, version: 1, state: Float32Array.from([9, 9, 9]) })),
  );
  assert.equal(store.connection.roundTrips - before, 1, 'one round trip for the batch');
  assert.deepEqual(outcomes[0], { status: 'fulfilled', value: 'ok' });
  assert.deepEqual(outcomes[2], { status: 'fulfilled', value: 'ok' });
  assert.equal(outcomes[1]!.status, 'rejected');
  const error = (outcomes[1] as PromiseRejectedResult).reason as Error & { code?: string };
  assert.equal(error.code, 'STORE_UNAVAILABLE');
  assert.match(error.message, /could not update a session: WRONGTYPE/);
  for (const i of [0, 2]) assert.equal((await store.get(records[i]!.id))?.t, 1, `session ${i} was written`);
  await redis.quit();
});

it('a batch written in one script call keeps every record exactly: full and changed-only writes, any bytes', async () => {
  const now = Date.now();
  // Ids and identities with multi-byte UTF-8, states with every byte value (NaN payloads, -0, subnormals).
  const records = ['plain', 'ünïcödé-ß', 'emoji-🧪'].map((id, i) => ({
    id: `${id}-${i}-${now}`,
    model: 'lstm',
    modelIdentity: `identity-${id}`,
    modelVersion: '1',
    t: 0,
    version: 0,
    state: new Float32Array(new Uint32Array([0x7fc00001 + i, 0x80000000, 0x00000001, 0xffffffff >>> i]).buffer),
    createdAt: now,
    ttlSeconds: 60,
    expiresAt: now + 60_000,
  }));
  // Session 1 is created by another replica, so this one does not hold its record and writes
  // every field; 0 and 2 it holds, and writes only the fields that changed.
  const other = createRedisSessionStore({ url: TEST_REDIS_URL, keyPrefix, maxSessions: 1000 });
  await store.create(records[0]!);
  await other.create(records[1]!);
  await store.create(records[2]!);
  await other.close();
  const nexts = records.map((record, i) => ({
    ...record,
    t: 7 + i,
    version: 1,
    modelIdentity: i === 1 ? `new-identity-ü-${i}` : record.modelIdentity,
    state: new Float32Array(new Uint32Array([0x3f800000 + i, 0x007fffff, 0xff800000, 0x12345678]).buffer),
    expiresAt: now + 90_000 + i,
  }));
  const before = store.connection.roundTrips;
  const outcomes = await Promise.all(nexts.map((next) => store.compareAndSet(next.id, 0, next)));
  assert.deepEqual(outcomes, ['ok', 'ok', 'ok']);
  assert.equal(store.connection.roundTrips - before, 1, 'one round trip for the batch');
  // A conflict and a missing session in the same batch answer as alone.
  const again = await Promise.all([store.compareAndSet(nexts[0]!.id, 0, nexts[0]!), store.compareAndSet(`missing-${now}`, 0, { ...nexts[0]!, id: `missing-${now}` })]);
  assert.deepEqual(again, ['conflict', 'missing']);
  const reader = createRedisSessionStore({ url: TEST_REDIS_URL, keyPrefix, maxSessions: 1000 });
  try {
    for (const next of nexts) {
      const stored = await reader.get(next.id);
      assert.ok(stored !== undefined, next.id);
      assert.deepEqual({ ...stored, state: Array.from(new Uint32Array(stored.state.buffer)) }, { ...next, state: Array.from(new Uint32Array(next.state.buffer)) });
    }
  } finally {
    await reader.close();
  }
});

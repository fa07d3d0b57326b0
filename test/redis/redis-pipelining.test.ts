// Steps of concurrent sessions share their Redis round trips: the compare-and-sets of one engine
// batch leave in one write (the store's own pipeline, see redis-session-store.ts compareAndSet).
// Counted on the store's socket.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import { RedisPrefixes, requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { createRedisSessionStore } from '../../src/sessions/redis-session-store.js';

await requireRedis();
const prefixes = new RedisPrefixes();
const store = createRedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefixes.create('pipelining'), maxSessions: 1000 });
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

// Steps of concurrent sessions share their Redis round trips: the reads of the requests that
// arrive together leave in one write, and so do the compare-and-sets of one engine batch
// (ioredis auto-pipelining, see redis-connection.ts). Counted on the store's socket.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, it } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import { RedisPrefixes, requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { createRedisSessionStore } from '../../src/service/redis-session-store.js';

await requireRedis();
const prefixes = new RedisPrefixes();
const store = createRedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefixes.create('pipelining'), maxSessions: 1000 });
const app = await buildTestApp({ SESSION_STORE: 'redis' }, { sessionStore: store });
after(async () => {
  await app.close();
  await prefixes.deleteAll();
});

/** Counts the writes to the store's socket while `action` runs. */
async function writesDuring(action: () => Promise<unknown>): Promise<number> {
  const socket = store.connection.client.stream as Socket;
  const write = socket.write;
  let writes = 0;
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
    writes++;
    return write.apply(this, args);
  } as Socket['write'];
  try {
    await action();
  } finally {
    socket.write = write;
  }
  return writes;
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
  // One write for the 32 reads, one for the 32 compare-and-sets; without pipelining, 64.
  assert.ok(writes <= 4, `${writes} writes for ${2 * SESSIONS} commands`);
});

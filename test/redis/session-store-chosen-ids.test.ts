// Sessions under ids the caller chose (the Open Inference Protocol's sequence_id), in both
// stores: a live id is refused with SESSION_EXISTS and left as it was; a deleted or expired one
// can be taken again at once, before any sweep; and the service creates sessions under such ids.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemorySessionStore } from '../../src/service/memory-session-store.js';
import { createRedisSessionStore } from '../../src/service/redis-session-store.js';
import type { SessionRecord, SessionStore } from '../../src/service/session-store.js';
import { buildTestApp } from '../helpers/app.js';
import { RedisPrefixes, TEST_REDIS_URL, requireRedis } from '../helpers/redis.js';

class Clock {
  time = Date.now();
  readonly now = (): number => this.time;
}

function record(clock: Clock, id: string, fields: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id,
    model: 'gru',
    modelIdentity: 'sha256:abc',
    t: 0,
    version: 0,
    state: Float32Array.from([1, 2]),
    createdAt: clock.time,
    ttlSeconds: 10,
    expiresAt: clock.time + 10_000,
    ...fields,
  };
}

const prefixes = new RedisPrefixes();
before(requireRedis);
after(() => prefixes.deleteAll());

const stores: [string, (clock: Clock) => SessionStore][] = [
  ['memory', (clock) => new MemorySessionStore({ maxSessions: 10, clock: clock.now, sweepIntervalMs: 3_600_000 })],
  [
    'redis',
    (clock) =>
      createRedisSessionStore({ url: TEST_REDIS_URL, keyPrefix: prefixes.create('chosen-ids'), maxSessions: 10, now: clock.now, sweepIntervalMs: 3_600_000 }),
  ],
];

for (const [name, make] of stores) {
  describe(`${name} store: caller-chosen ids`, () => {
    it('refuses a live id with SESSION_EXISTS and keeps the session as it was', async (t) => {
      const clock = new Clock();
      const store = make(clock);
      t.after(() => store.close());
      await store.create(record(clock, '42'));
      await assert.rejects(store.create(record(clock, '42', { t: 5, model: 'other' })), { code: 'SESSION_EXISTS', statusCode: 409, message: "session '42' already exists" });
      const kept = await store.get('42');
      assert.equal(kept?.t, 0);
      assert.equal(kept?.model, 'gru');
      assert.deepEqual((await store.countByModel()).get('gru'), 1);
    });

    it('takes a deleted id, and an expired one before any sweep, again', async (t) => {
      const clock = new Clock();
      const store = make(clock);
      t.after(() => store.close());
      await store.create(record(clock, 'seq-a'));
      assert.equal(await store.delete('seq-a'), true);
      await store.create(record(clock, 'seq-a', { t: 1 }));
      assert.equal((await store.get('seq-a'))?.t, 1);
      clock.time += 11_000; // expired, not swept
      await store.create(record(clock, 'seq-a', { t: 2 }));
      assert.equal((await store.get('seq-a'))?.t, 2);
      assert.deepEqual((await store.countByModel()).get('gru'), 1);
    });
  });
}

describe('the inference service: createSession under a chosen id', () => {
  it('creates it, then refuses the same id while it lives', async (t) => {
    const app = await buildTestApp();
    t.after(() => app.close());
    const [model] = app.inference.listModels().filter((info) => info.status === 'ready');
    const session = await app.inference.createSession({ model: model!.name, id: 'my-sequence' });
    assert.equal(session.id, 'my-sequence');
    await assert.rejects(app.inference.createSession({ model: model!.name, id: 'my-sequence' }), { code: 'SESSION_EXISTS' });
  });
});

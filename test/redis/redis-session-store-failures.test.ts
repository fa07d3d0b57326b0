// The Redis session store when Redis is unreachable, goes away, or stops answering: every
// operation settles with STORE_UNAVAILABLE (503, Retry-After 1..5 s), nothing crashes the process,
// and the store works again once Redis is back. Outages are made with a TCP proxy in front of the
// real Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379), so the shared server never stops.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it, type TestContext } from 'node:test';
import { StoreUnavailableError } from '../../src/errors.js';
import { createRedisSessionStore, type RedisSessionStore } from '../../src/service/redis-session-store.js';
import type { SessionRecord } from '../../src/service/session-store.js';
import { closedPort, RedisPrefixes, RedisProxy } from '../helpers/redis.js';

const prefixes = new RedisPrefixes();

const unhandled: unknown[] = [];
const record = (error: unknown): void => {
  unhandled.push(error);
};
process.on('unhandledRejection', record);
process.on('uncaughtException', record);

after(async () => {
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
  await prefixes.deleteAll();
});

function storeAt(t: TestContext, port: number, errors: Error[] = []): RedisSessionStore {
  const store = createRedisSessionStore({
    url: `redis://127.0.0.1:${port}`,
    keyPrefix: prefixes.create(),
    maxSessions: 10,
    commandTimeoutMs: 300,
    connectTimeoutMs: 500,
    maxReconnectDelayMs: 100,
    onError: (error) => errors.push(error),
  });
  t.after(() => store.close());
  return store;
}

function session(id = randomUUID()): SessionRecord {
  const now = Date.now();
  return { id, model: 'gru', modelIdentity: 'sha256:abc', t: 0, version: 0, state: Float32Array.from([1, 2]), createdAt: now, ttlSeconds: 60, expiresAt: now + 60_000 };
}

/** Every operation of the store, each to be refused while Redis is away. */
function everyOperation(store: RedisSessionStore, existing: SessionRecord): Record<string, () => Promise<unknown>> {
  const next = { ...existing, t: 1, version: existing.version + 1 };
  return {
    create: () => store.create(session()),
    get: () => store.get(existing.id),
    compareAndSet: () => store.compareAndSet(existing.id, existing.version, next),
    delete: () => store.delete(existing.id),
    countByModel: () => store.countByModel(),
    ping: () => store.ping(),
    getMany: () => store.getMany([existing.id]),
    compareAndSetMany: () => store.compareAndSetMany([{ id: existing.id, expectedVersion: existing.version, next }]),
    sweep: () => store.sweep(),
  };
}

async function assertUnavailable(operation: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(operation, (error: unknown) => {
    assert.ok(error instanceof StoreUnavailableError, `${what}: a StoreUnavailableError, got ${String(error)}`);
    const refused = error as InstanceType<typeof StoreUnavailableError> & { retryAfterSeconds?: number };
    assert.equal(refused.code, 'STORE_UNAVAILABLE');
    assert.equal(refused.statusCode, 503);
    assert.ok(Number.isInteger(refused.retryAfterSeconds) && refused.retryAfterSeconds! >= 1 && refused.retryAfterSeconds! <= 5, `${what}: retryAfterSeconds in 1..5`);
    assert.match(refused.message, /^the session store \(Redis at 127\.0\.0\.1:\d+\) could not /);
    return true;
  });
}

/** Pings until Redis answers through the store again (reconnection is the client's, on its own). */
async function untilAnswering(store: RedisSessionStore): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await store.ping();
      return;
    } catch (error) {
      if (attempt === 200) throw error;
      await sleep(25);
    }
  }
}

describe('redis session store: failures', () => {
  it('with Redis unreachable every operation is refused with STORE_UNAVAILABLE, and the outage is reported once', async (t) => {
    const errors: Error[] = [];
    const store = storeAt(t, await closedPort(), errors);
    for (const [name, operation] of Object.entries(everyOperation(store, session()))) {
      await assertUnavailable(operation(), name);
    }
    assert.equal(errors.length, 1, `one report for the outage, got ${errors.map((error) => error.message).join('; ')}`);
    assert.match(errors[0]!.message, /ECONNREFUSED/);
    assert.deepEqual(unhandled, []);
  });

  it('when Redis goes away operations are refused; when it is back the store reconnects and the session is intact', async (t) => {
    const proxy = new RedisProxy();
    await proxy.start();
    t.after(() => proxy.stop());
    const errors: Error[] = [];
    const store = storeAt(t, proxy.port, errors);
    const existing = session();
    await store.create(existing);

    await proxy.stop();
    for (const [name, operation] of Object.entries(everyOperation(store, existing))) {
      await assertUnavailable(operation(), `${name} while Redis is away`);
    }

    await proxy.start(); // same port
    await untilAnswering(store);
    assert.deepEqual(await store.get(existing.id), existing);
    assert.equal(await store.compareAndSet(existing.id, 0, { ...existing, t: 1, version: 1 }), 'ok');
    assert.ok(errors.length >= 1, 'the outage was reported');
    assert.deepEqual(unhandled, []);
  });

  it('a Redis that accepts connections but never answers: operations are refused while the handshake waits', async (t) => {
    const proxy = new RedisProxy();
    await proxy.start();
    t.after(() => proxy.stop());
    const store = storeAt(t, proxy.port);
    const existing = session();
    await store.create(existing);

    proxy.mode = 'silent';
    await proxy.stop(); // drop the live connection: the reconnection meets the silent proxy
    const acceptedBefore = proxy.accepted;
    await proxy.start();
    for (let wait = 0; proxy.accepted === acceptedBefore; wait++) {
      assert.ok(wait < 400, 'the client reconnects to the silent proxy');
      await sleep(10); // until the client has reconnected and waits for its HELLO
    }
    for (const [name, operation] of Object.entries(everyOperation(store, existing))) {
      await assertUnavailable(operation(), `${name} against a silent Redis`);
    }

    proxy.mode = 'forward';
    await proxy.stop();
    await proxy.start();
    await untilAnswering(store);
    assert.equal((await store.get(existing.id))?.version, 0);
    assert.deepEqual(unhandled, []);
  });

  it('a connected Redis that stops answering makes operations time out (commandTimeout), not hang', async (t) => {
    const proxy = new RedisProxy();
    await proxy.start();
    t.after(() => proxy.stop());
    const store = storeAt(t, proxy.port);
    const existing = session();
    await store.create(existing);

    proxy.stall();
    await assertUnavailable(store.get(existing.id), 'get against a stalled connection');
    await assertUnavailable(store.compareAndSet(existing.id, 0, { ...existing, t: 1, version: 1 }), 'compareAndSet against a stalled connection');
  });

  it('a connection that went silent is dropped and replaced by itself (socketTimeout): the store recovers', async (t) => {
    const proxy = new RedisProxy();
    await proxy.start();
    t.after(() => proxy.stop());
    const errors: Error[] = [];
    const store = storeAt(t, proxy.port, errors);
    const existing = session();
    await store.create(existing);
    const acceptedBefore = proxy.accepted;

    proxy.stall(); // the old connection stays open and silent; new ones are forwarded again
    await assertUnavailable(store.get(existing.id), 'get against a silent connection');
    await untilAnswering(store);
    assert.ok(proxy.accepted > acceptedBefore, 'the client opened a new connection');
    assert.match(errors.map((error) => error.message).join('; '), /Socket timeout/);
    assert.equal(await store.compareAndSet(existing.id, 0, { ...existing, t: 1, version: 1 }), 'ok');
    assert.deepEqual(unhandled, []);
  });

  it('a compare-and-set in flight when the connection drops fails and is not resent after reconnecting', async (t) => {
    const proxy = new RedisProxy();
    await proxy.start();
    t.after(() => proxy.stop());
    const store = storeAt(t, proxy.port);
    const existing = session();
    await store.create(existing);

    proxy.stall();
    const inFlight = store.compareAndSet(existing.id, 0, { ...existing, t: 1, version: 1 });
    await proxy.stop(); // the connection drops with the command unanswered
    await assertUnavailable(inFlight, 'the compareAndSet in flight');
    await proxy.start();
    await untilAnswering(store);
    const [after] = await store.getMany([existing.id]);
    assert.equal(after?.version, 0, 'the unanswered write was not sent again');
  });

  it('close() settles while Redis is unreachable', async (t) => {
    const store = storeAt(t, await closedPort());
    await assertUnavailable(store.ping(), 'ping');
    await store.close();
    await assertUnavailable(store.get('any'), 'get after close');
  });
});

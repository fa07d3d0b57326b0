// The Redis session store when Redis is unreachable, goes away, or stops answering: every
// operation settles with STORE_UNAVAILABLE (503, Retry-After 1..5 s), nothing crashes the process,
// and the store works again once Redis is back. Outages are made with a TCP proxy in front of the
// real Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379), so the shared server never stops.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { StoreUnavailableError } from '../src/errors.js';
import { createRedisSessionStore, type RedisSessionStore } from '../src/service/redis-session-store.js';
import type { SessionRecord } from '../src/service/session-store.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisAddress = new URL(REDIS_URL);
const prefixes: string[] = [];

const unhandled: unknown[] = [];
const record = (error: unknown): void => {
  unhandled.push(error);
};
process.on('unhandledRejection', record);
process.on('uncaughtException', record);

after(async () => {
  process.off('unhandledRejection', record);
  process.off('uncaughtException', record);
  const admin = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  for (const prefix of prefixes) {
    const keys = await admin.keys(`${prefix}*`); // prefixes hold no glob characters
    if (keys.length > 0) await admin.del(...keys);
  }
  await admin.quit();
});

/** A TCP proxy to Redis that can refuse connections, accept them and never answer, or stall live ones. */
class RedisProxy {
  mode: 'forward' | 'silent' = 'forward';
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly clients = new Map<net.Socket, net.Socket>();
  port = 0;
  /** Connections accepted so far. */
  accepted = 0;

  async start(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Closes the port and drops every connection: Redis is gone. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /** Live connections stay open but what clients send no longer reaches Redis. */
  stall(): void {
    for (const [client, upstream] of this.clients) {
      client.unpipe(upstream);
      client.on('data', () => undefined);
    }
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    this.track(client);
    if (this.mode === 'silent') {
      client.on('data', () => undefined); // read and never answer
      return;
    }
    const upstream = net.connect(Number(redisAddress.port || 6379), redisAddress.hostname);
    this.track(upstream);
    this.clients.set(client, upstream);
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      this.clients.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}

/** A port nothing listens on: one the system just handed out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function storeAt(t: TestContext, port: number, errors: Error[] = []): RedisSessionStore {
  const prefix = `rnn-serve-test:${randomUUID()}:`;
  prefixes.push(prefix);
  const store = createRedisSessionStore({
    url: `redis://127.0.0.1:${port}`,
    keyPrefix: prefix,
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

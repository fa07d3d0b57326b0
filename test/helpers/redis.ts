// The real Redis the tests share (TEST_REDIS_URL, default redis://127.0.0.1:6379), a key prefix
// per store or server so tests never see each other's sessions, and the cleanup that deletes
// every key a test file wrote. Also a TCP proxy in front of it that a test can cut and restore,
// so an outage never stops the shared server.
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fails with how to start Redis when it does not answer (call it in before()). */
export async function requireRedis(): Promise<void> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `these tests need Redis >= 6.2 at ${TEST_REDIS_URL} (${(error as Error).message}); start one with ` +
        '`redis-server --daemonize yes --port 6379 --save "" --appendonly no` or set TEST_REDIS_URL',
    );
  } finally {
    client.disconnect();
  }
}

/** Hands out fresh key prefixes and deletes everything under them at the end of a file. */
export class RedisPrefixes {
  private readonly prefixes: string[] = [];

  /** A prefix nothing else uses (no glob characters, so it can be matched as `${prefix}*`). */
  create(label = 'test'): string {
    const prefix = `rnn-serve-${label}:${randomUUID()}:`;
    this.prefixes.push(prefix);
    return prefix;
  }

  /** The keys under `prefix` now (for assertions about what a test left behind). */
  static async keys(prefix: string): Promise<string[]> {
    const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      return await client.keys(`${prefix}*`);
    } finally {
      await client.quit();
    }
  }

  /** Deletes every key under every prefix handed out; answers how many keys there were. */
  async deleteAll(): Promise<number> {
    const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    let deleted = 0;
    try {
      for (const prefix of this.prefixes) {
        const keys = await client.keys(`${prefix}*`);
        if (keys.length > 0) deleted += await client.del(...keys);
      }
    } finally {
      await client.quit();
    }
    return deleted;
  }
}

/** A TCP proxy to Redis that can refuse connections, accept them and never answer, or stall live ones. */
export class RedisProxy {
  mode: 'forward' | 'silent' = 'forward';
  port = 0;
  /** Connections accepted so far. */
  accepted = 0;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly clients = new Map<net.Socket, net.Socket>();
  private readonly upstream = new URL(TEST_REDIS_URL);

  /** Listens (again) on 127.0.0.1, on the same port as before once it has one. */
  async start(): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** redis://127.0.0.1:<port>, for REDIS_URL. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
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
    const upstream = net.connect(Number(this.upstream.port || 6379), this.upstream.hostname);
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
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

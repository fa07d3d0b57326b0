// The Redis connection of the session store, set up so that nothing waits on a Redis that is
// down: commands time out, fail at once while disconnected, are never resent after a reconnect
// (a compare-and-set whose reply was lost must not be applied twice), and the client reconnects
// by itself. Every failure becomes a 503 STORE_UNAVAILABLE with a Retry-After hint.
//
// Pipelining is the store's own (redis-session-store.ts): the compare-and-sets issued in one
// event-loop run (one engine batch) leave as ONE pipeline, flushed in a microtask, and getMany
// reads several sessions in one. ioredis' auto-pipelining is off: it flushes on setImmediate, a
// macrotask per command, which at low concurrency cost more than the round trip itself. Each
// command keeps its own commandTimeout, a refused command still fails at once, and scripts still
// fall back from EVALSHA to EVAL. Every write to the socket is counted (roundTrips).
import { Redis } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import { SESSION_SCRIPTS } from './redis-session-scripts.js';

export interface RedisConnectionOptions {
  readonly url: string;
  /** A command without a reply after this long fails (default 1000 ms). */
  readonly commandTimeoutMs?: number;
  /**
   * A connection that has received nothing for this long while commands await replies is
   * dropped and reconnected (default 2 x commandTimeoutMs): a Redis that went silent without
   * closing the socket (a network partition, a frozen host) would otherwise leave every later
   * command timing out on a connection that never recovers.
   */
  readonly socketTimeoutMs?: number;
  /** A connection attempt gives up after this long (default 2000 ms). */
  readonly connectTimeoutMs?: number;
  /** Longest wait between reconnection attempts (default 2000 ms). */
  readonly maxReconnectDelayMs?: number;
  /** Connection errors, once per outage (the client keeps reconnecting meanwhile). */
  readonly onError?: (error: Error) => void;
}

export class RedisConnection {
  readonly client: Redis;
  /** Settles (never rejects) once the first connection attempt has succeeded or failed. */
  private readonly firstAttempt: Promise<void>;
  private nextReconnectDelayMs = 0;
  private reportedOutage = false;
  private closing = false;
  /** The last connection error, for the message of commands refused while disconnected. */
  private lastError: Error | undefined;
  private readonly where: string;
  private writes = 0;

  constructor(options: RedisConnectionOptions) {
    const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 2000;
    this.where = describeServer(options.url);
    const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    this.client = new Redis(options.url, {
      commandTimeout: commandTimeoutMs,
      socketTimeout: options.socketTimeoutMs ?? 2 * commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => {
        this.nextReconnectDelayMs = Math.min(100 * 2 ** (attempt - 1), maxReconnectDelayMs);
        return this.nextReconnectDelayMs;
      },
      connectionName: 'rnn-serve-sessions',
      // Off: ioredis flushes an auto-pipeline on setImmediate, a macrotask per command, which at
      // low concurrency cost more than a round trip (measured: 2.5x the wall time, 2x the CPU of a
      // lone EVALSHA). The store pipelines what belongs together itself (compareAndSet, getMany).
      enableAutoPipelining: false,
      scripts: SESSION_SCRIPTS,
    });
    // Without a listener ioredis prints every failed reconnection attempt; report each outage once,
    // with its first error (a connection that just closes emits none).
    const reportOutage = (error: Error): void => {
      this.lastError = error;
      if (this.reportedOutage || this.closing) return;
      this.reportedOutage = true;
      options.onError?.(error);
    };
    this.client.on('error', reportOutage);
    this.client.on('close', () => reportOutage(this.lastError ?? new Error('the connection to Redis closed')));
    // Each write to the socket is one round trip: a command, or a whole (auto-)pipeline, which
    // ioredis writes at once. Counted for rnn_session_store_round_trips_total and the tests that
    // check how many round trips a step costs. The socket is new after every reconnection.
    this.client.on('connect', () => {
      const socket = this.client.stream as unknown as { write: (...args: unknown[]) => boolean } | undefined;
      if (socket === undefined) return;
      const write = socket.write;
      socket.write = (...args: unknown[]): boolean => {
        this.writes++;
        return write.apply(socket, args);
      };
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
      this.reportedOutage = false;
      this.nextReconnectDelayMs = 0;
    });
    this.firstAttempt = new Promise((resolve) => {
      const settle = (): void => {
        this.client.off('ready', settle).off('error', settle).off('close', settle);
        resolve();
      };
      this.client.on('ready', settle).on('error', settle).on('close', settle);
    });
  }

  /**
   * `command` against Redis; any failure (down, timeout, refused) rethrown as StoreUnavailableError.
   * Before the first connection attempt has finished, waits for it (bounded by connectTimeoutMs)
   * so a store used right after start does not fail for nothing; afterwards, while Redis is away,
   * commands fail at once.
   */
  async run<T>(what: string, command: (client: Redis) => Promise<T>): Promise<T> {
    await this.firstAttempt;
    if (!this.ready) {
      // What ioredis would refuse anyway (no offline queue), with the reason Redis is away.
      const reason = `not connected (${this.lastError?.message ?? `connection status ${this.client.status}`})`;
      throw this.unavailable(what, reason, this.lastError);
    }
    try {
      return await command(this.client);
    } catch (error) {
      throw this.unavailable(what, error instanceof Error ? error.message : String(error), error);
    }
  }

  private unavailable(what: string, reason: string, cause: unknown): Error {
    const error = new StoreUnavailableError(`the session store (Redis at ${this.where}) could not ${what}: ${reason}`);
    // Reconnection is already scheduled: retry about when it happens.
    const retryAfterSeconds = Math.min(5, Math.max(1, Math.ceil(this.nextReconnectDelayMs / 1000)));
    return Object.assign(error, { cause, retryAfterSeconds });
  }

  /** Writes sent to Redis so far: round trips (a pipeline counts once), connection setup included. */
  get roundTrips(): number {
    return this.writes;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Quits politely when connected, else drops the socket and stops reconnecting. Never hangs. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // fall through: the connection broke while quitting
      }
    }
    this.client.disconnect();
  }
}

/** host:port of a Redis URL, never its password. */
function describeServer(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'REDIS_URL';
  }
}

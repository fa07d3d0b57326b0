// The Redis connection of the session store, set up so that nothing waits on a Redis that is
// down: commands time out, fail at once while disconnected, are never resent after a reconnect
// (a compare-and-set whose reply was lost must not be applied twice), and the client reconnects
// by itself. Every failure becomes a 503 STORE_UNAVAILABLE with a Retry-After hint.
//
// One server (ioredis' Redis) or a Redis Cluster (ioredis' Cluster; redis-target.ts says which).
//
// Single server: pipelining is the store's own (redis-session-store.ts): the compare-and-sets
// issued in one event-loop run (one engine batch) leave as ONE pipeline, flushed in a microtask,
// and getMany reads several sessions in one. ioredis' auto-pipelining is off: it flushes on
// setImmediate, a macrotask per command, which at low concurrency cost more than the round trip
// itself. Each command keeps its own commandTimeout, a refused command still fails at once, and
// scripts still fall back from EVALSHA to EVAL. Every write to the socket is counted (roundTrips).
//
// Cluster: a pipeline cannot cross nodes, so the store's pipelines (pipelineOf) are spread: each
// command goes out on its own and ioredis' auto-pipelining gathers the commands of one event-loop
// run into one pipeline per shard (it queues by the nodes serving the key's slot). One engine
// batch is then one round trip per shard it touches. MOVED, ASK and TRYAGAIN are redirections of a
// command Redis did NOT run, so ioredis follows them; a command on a connection that closed, or
// one refused with CLUSTERDOWN, fails at once instead of being resent (retryDelayOnFailover and
// retryDelayOnClusterDown 0): whether a lost reply's compare-and-set ran is unknown, and the
// client's retry with expected_t is what decides it, as with one server.
import { Cluster, Redis, type ChainableCommander } from 'ioredis';
import { StoreUnavailableError } from '../errors.js';
import { SESSION_SCRIPTS } from './redis-session-scripts.js';
import { describeTarget, parseRedisTarget, type RedisTarget } from './redis-target.js';

/** What the store's commands run on: the single-server client or the cluster client. */
export type SessionRedis = Redis | Cluster;

export interface RedisConnectionOptions {
  /** redis://, rediss:// or redis+cluster://host:port,host:port (redis-target.ts). */
  readonly url: string;
  /** host:port,host:port of a Redis Cluster (REDIS_CLUSTER_NODES); when set, url is ignored. */
  readonly clusterNodes?: string;
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
  readonly client: SessionRedis;
  readonly target: RedisTarget;
  /** Settles (never rejects) once the first connection attempt has succeeded or failed. */
  private readonly firstAttempt: Promise<void>;
  private nextReconnectDelayMs = 0;
  private reportedOutage = false;
  private closing = false;
  /** The last connection error, for the message of commands refused while disconnected. */
  private lastError: Error | undefined;
  private readonly where: string;
  private writes = 0;
  /** Socket writes per node (host:port), for the tests that check one pipeline per shard. */
  private readonly writesByNode = new Map<string, number>();

  constructor(options: RedisConnectionOptions) {
    const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 2000;
    this.target = parseRedisTarget(options.url, options.clusterNodes);
    this.where = describeTarget(this.target);
    const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
    const retryStrategy = (attempt: number): number => {
      this.nextReconnectDelayMs = Math.min(100 * 2 ** (attempt - 1), maxReconnectDelayMs);
      return this.nextReconnectDelayMs;
    };
    const connectionOptions = {
      commandTimeout: commandTimeoutMs,
      socketTimeout: options.socketTimeoutMs ?? 2 * commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectionName: 'rnn-serve-sessions',
    };
    if (this.target.kind === 'single') {
      this.client = new Redis(this.target.url, {
        ...connectionOptions,
        enableOfflineQueue: false,
        retryStrategy,
        // Off: ioredis flushes an auto-pipeline on setImmediate, a macrotask per command, which at
        // low concurrency cost more than a round trip (measured: 2.5x the wall time, 2x the CPU of a
        // lone EVALSHA). The store pipelines what belongs together itself (compareAndSet, getMany).
        enableAutoPipelining: false,
        scripts: SESSION_SCRIPTS,
      });
    } else {
      const { nodes, username, password } = this.target;
      this.client = new Cluster(
        nodes.map((node) => ({ ...node })),
        {
          // Nodes' connections queue while they (re)connect: ioredis creates them lazily when a
          // slot first needs one. The cluster itself refuses commands while it has no slot map.
          enableOfflineQueue: false,
          clusterRetryStrategy: retryStrategy,
          // On: the only way commands for one shard share a round trip (see the header).
          enableAutoPipelining: true,
          retryDelayOnFailover: 0,
          retryDelayOnClusterDown: 0,
          // A CLUSTER SLOTS refresh now and then besides the ones MOVED triggers: a promoted replica
          // is found even by a replica that sends nothing to the failed shard meanwhile.
          slotsRefreshInterval: 5000,
          slotsRefreshTimeout: commandTimeoutMs,
          scripts: SESSION_SCRIPTS,
          redisOptions: { ...connectionOptions, ...(username ? { username } : {}), ...(password ? { password } : {}) },
        },
      );
      this.client.on('+node', (node: Redis) => {
        node.on('connect', () => this.countWrites(node, `${node.options.host}:${node.options.port}`));
      });
    }
    // Without a listener ioredis prints every failed reconnection attempt; report each outage once,
    // with its first error (a connection that just closes emits none).
    const reportOutage = (error: Error): void => {
      this.lastError = error;
      if (this.reportedOutage || this.closing) return;
      this.reportedOutage = true;
      options.onError?.(error);
    };
    this.client.on('error', reportOutage);
    // A cluster node's errors (one shard away) are the commands' to report: the cluster lives on.
    this.client.on('node error', (error: Error) => {
      this.lastError = error;
    });
    this.client.on('close', () => reportOutage(this.lastError ?? new Error(`the connection to ${this.where} closed`)));
    // Each write to the socket is one round trip: a command, or a whole (auto-)pipeline, which
    // ioredis writes at once. Counted for rnn_session_store_round_trips_total and the tests that
    // check how many round trips a step costs. The socket is new after every reconnection.
    if (this.client instanceof Redis) {
      const client = this.client;
      client.on('connect', () => this.countWrites(client, this.where));
    }
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
  async run<T>(what: string, command: (client: SessionRedis) => Promise<T>): Promise<T> {
    await this.firstAttempt;
    if (!this.ready) {
      // What ioredis would refuse anyway (no offline queue), with the reason Redis is away.
      const reason = `not connected (${this.lastError?.message ?? `connection status ${this.client.status}`})`;
      throw this.unavailable(what, reason, this.lastError);
    }
    try {
      if (this.client instanceof Redis) return await command(this.client);
      const cluster = this.client;
      return await followRedirections(() => command(cluster));
    } catch (error) {
      throw this.unavailable(what, error instanceof Error ? error.message : String(error), error);
    }
  }

  private unavailable(what: string, reason: string, cause: unknown): Error {
    const error = new StoreUnavailableError(`the session store (${this.where}) could not ${what}: ${reason}`);
    // Reconnection is already scheduled: retry about when it happens.
    const retryAfterSeconds = Math.min(5, Math.max(1, Math.ceil(this.nextReconnectDelayMs / 1000)));
    return Object.assign(error, { cause, retryAfterSeconds });
  }

  private countWrites(client: Redis, node: string): void {
    const socket = client.stream as unknown as { write: (...args: unknown[]) => boolean } | undefined;
    if (socket === undefined) return;
    const write = socket.write;
    socket.write = (...args: unknown[]): boolean => {
      this.writes++;
      this.writesByNode.set(node, (this.writesByNode.get(node) ?? 0) + 1);
      return write.apply(socket, args);
    };
  }

  /** Writes sent to Redis so far: round trips (a pipeline counts once), connection setup included. */
  get roundTrips(): number {
    return this.writes;
  }

  /** roundTrips per node (host:port); one entry for a single server. */
  get roundTripsByNode(): ReadonlyMap<string, number> {
    return this.writesByNode;
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

/** Attempts of a command that a cluster keeps redirecting (ASK, MOVED, TRYAGAIN) before it fails. */
const REDIRECTED_ATTEMPTS = 20;
const REDIRECTED_PAUSE_MS = 25;
/**
 * What ioredis answers, without sending anything, when the slot map changed between queueing a
 * command in an auto-pipeline and flushing it (the keys now live on different nodes).
 */
const REGROUPED = 'All keys in the pipeline should belong to the same slots allocation group';

/**
 * `attempt` again while the cluster answers with a redirection: Redis did not run the command, so
 * running it again applies it at most once. ioredis follows ASK and MOVED itself for a command
 * alone in its (auto-)pipeline, but not for one that shares a pipeline with commands that
 * succeeded (it cannot resend those): while a slot migrates, a command for a key already moved
 * gets its ASK back. Retried a little later it usually travels alone, or with others redirected
 * the same way, and ioredis sends it with ASKING to the importing node; once the migration ends,
 * MOVED updates the slot map. The same for an auto-pipeline the slot map split (REGROUPED), which
 * ioredis refuses before sending it. `attempt` must be ONE command (or a spread pipeline, whose commands
 * retry one by one): rerunning several would rerun the ones that succeeded.
 */
async function followRedirections<T>(attempt: () => Promise<T>): Promise<T> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (attempts >= REDIRECTED_ATTEMPTS || !(/^(ASK|MOVED|TRYAGAIN) /.test(message) || message === REGROUPED)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, REDIRECTED_PAUSE_MS));
  }
}

/**
 * A pipeline for commands that belong together (one batch's writes, a sweep's reaps). On one server,
 * ioredis' pipeline: one round trip. On a cluster, where a pipeline cannot cross nodes, each
 * command is sent on its own in the same synchronous run, and auto-pipelining makes that one
 * pipeline per shard. exec answers [error, reply] per command, in order, as ioredis' does.
 */
export function pipelineOf(client: SessionRedis): ChainableCommander {
  if (client instanceof Redis) return client.pipeline();
  const queued: { name: string; args: unknown[] }[] = [];
  const spread: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_target, name) {
      if (name === 'exec') {
        return async (): Promise<[Error | null, unknown][]> => {
          const commands = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
          const settled = await Promise.allSettled(
            queued.map(({ name: command, args }) => followRedirections(() => commands[command]!(...args))),
          );
          return settled.map((outcome) =>
            outcome.status === 'fulfilled' ? [null, outcome.value] : [outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason)), null],
          );
        };
      }
      if (name === 'then') return undefined; // not a thenable
      return (...args: unknown[]) => {
        queued.push({ name: String(name), args });
        return spread;
      };
    },
  });
  return spread;
}

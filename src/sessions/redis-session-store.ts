// Sessions in Redis, shared by every replica that uses the same REDIS_URL and REDIS_KEY_PREFIX.
//
// One hash per session (redis-session-keys.ts, redis-session-codec.ts) with PEXPIREAT at its
// expiresAt, set on create and on every write, so an idle session disappears by itself. Next to
// the sessions, a sorted set of `model\0id` -> expiresAt counts them against maxSessions and a
// per-model hash keeps the counts the gauge reads. Expiry is found lazily, as in the memory store:
// a write refreshes only the session's own key (one EVALSHA per step), so the sorted set's score
// may lag; when a score comes due, the sweep looks at the session and either re-files it under
// its current expiresAt or removes it. Removal is a ZREM, and only the replica whose ZREM removed
// the member reports the expiry: each expiry is counted once however many replicas sweep.
//
// Reads compare expiresAt with this replica's clock, so an expired session is gone at once,
// swept or not; counts and the maxSessions check include it until a sweep runs (create sweeps
// first when the store looks full).
import { Redis } from 'ioredis';
import { expiryMember, parseExpiryMember, sessionKeys, type IndexKeys, type SessionKeys } from './redis-session-keys.js';
import { decodeSession, SESSION_FIELDS, sessionFields } from './redis-session-codec.js';
import { packCompareAndSets, type CompareAndSetArgs } from './redis-batch-writes.js';
import { pipelineOf, RedisConnection, type RedisConnectionOptions } from './redis-connection.js';
import { sessionExists, tooManySessions, type CompareAndSetDone, type CompareAndSetResult, type SessionRecord, type SessionStore } from './session-store.js';

export interface RedisSessionStoreOptions extends RedisConnectionOptions {
  /** Prefix of every key (REDIS_KEY_PREFIX); replicas that share it share their sessions. */
  readonly keyPrefix: string;
  /** The most sessions all replicas together may hold (MAX_SESSIONS). */
  readonly maxSessions: number;
  /** Epoch milliseconds (default Date.now); injectable so tests move time instead of sleeping. */
  readonly now?: () => number;
  /** How often the background sweep runs (default 1000 ms; the timer never keeps the process alive). */
  readonly sweepIntervalMs?: number;
  /** Due index entries handled per round trip of a sweep (default 500). */
  readonly sweepBatchSize?: number;
  /** Records of the sessions this replica serves, kept to step from without a read (default 10000). */
  readonly servedSessions?: number;
  /** Partitions of the session index (REDIS_INDEX_PARTITIONS, default 1; redis-session-keys.ts). */
  readonly indexPartitions?: number;
}

/** One compare-and-set of compareAndSetMany: the arguments of compareAndSet. */
export interface CompareAndSetItem {
  readonly id: string;
  readonly expectedVersion: number;
  readonly next: SessionRecord;
}

interface PendingWrite {
  readonly args: CompareAndSetArgs;
  readonly id: string;
  readonly next: SessionRecord;
  readonly done: CompareAndSetDone;
}

/** A sweep looks at no more than this many batches, so one tick never runs unbounded. */
const MAX_SWEEP_BATCHES = 20;

export function createRedisSessionStore(options: RedisSessionStoreOptions): RedisSessionStore {
  return new RedisSessionStore(options);
}

export class RedisSessionStore implements SessionStore {
  readonly keys: SessionKeys;
  /** The connection every command goes through (public for diagnostics and tests). */
  readonly connection: RedisConnection;
  private readonly maxSessions: number;
  private readonly now: () => number;
  private readonly sweepBatchSize: number;
  private readonly expiryListeners: ((model: string) => void)[] = [];
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly timer: NodeJS.Timeout;
  private sweeping: Promise<number> | undefined;
  /** The sweep queued behind the running one, for callers that came after it read the clock. */
  private sweepingNext: Promise<number> | undefined;
  /**
   * The records this replica last read or wrote, least recently used first: a step reads its
   * session from here and writes with one compare-and-set, one round trip. A record another
   * replica has written since is stale; the compare-and-set then answers 'conflict', the record
   * is dropped and the service reads it again (get) and recomputes.
   */
  private readonly servedRecords = new Map<string, SessionRecord>();
  private readonly maxServed: number;
  /** Compare-and-sets waiting for this turn's flush (see compareAndSet). */
  private pendingWrites: PendingWrite[] = [];
  private writesFlushQueued = false;

  constructor(options: RedisSessionStoreOptions) {
    if (!Number.isSafeInteger(options.maxSessions) || options.maxSessions < 1) {
      throw new RangeError(`maxSessions must be a positive integer, got ${options.maxSessions}`);
    }
    this.keys = sessionKeys(options.keyPrefix, options.maxSessions, options.indexPartitions ?? 1);
    this.connection = new RedisConnection(options);
    this.maxSessions = options.maxSessions;
    this.now = options.now ?? Date.now;
    this.sweepBatchSize = options.sweepBatchSize ?? 500;
    this.maxServed = options.servedSessions ?? 10_000;
    this.onError = options.onError;
    this.timer = setInterval(() => this.backgroundSweep(), options.sweepIntervalMs ?? 1000);
    this.timer.unref();
  }

  async create(record: SessionRecord): Promise<void> {
    const member = expiryMember(record.model, record.id);
    let place = await this.reserve(record, member);
    if (place[0] === 'exists') {
      // The entry may be an expired session nobody swept yet (caller-chosen ids are reused).
      await this.sweep();
      place = await this.reserve(record, member);
    }
    if (place[0] === 'full' && Number(place[1]) > 0) {
      await this.sweep(); // some places may belong to expired sessions nobody swept yet
      place = await this.reserve(record, member);
    }
    if (place[0] === 'full') {
      const earliest = Number(place[2]);
      const seconds = Number.isFinite(earliest) ? (earliest - this.now()) / 1000 : 1;
      throw tooManySessions(this.maxSessions, seconds);
    }
    if (place[0] === 'exists') throw sessionExists(record.id);
    let created: string;
    try {
      created = await this.connection.run('store a new session', (redis) =>
        redis.rnnSessionCreate(
          this.keys.session(record.id),
          this.now(),
          expiryArgument(record.expiresAt),
          ...sessionFields(record, { withModel: true }),
        ),
      );
    } catch (error) {
      await this.forget(this.keys.index(record.id), [member]).catch(() => undefined); // else its place stays taken until expiresAt
      throw error;
    }
    if (created !== 'ok') {
      await this.forget(this.keys.index(record.id), [member]);
      throw sessionExists(record.id);
    }
    this.remember(record.id, record);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const key = this.keys.session(id);
    const values = await this.connection.run('read a session', (redis) => redis.hmgetBuffer(key, ...SESSION_FIELDS));
    return this.remember(id, this.live(decodeSession(id, key, values)));
  }

  served(id: string): SessionRecord | undefined {
    const record = this.servedRecords.get(id);
    if (record === undefined) return undefined;
    if (record.expiresAt <= this.now()) {
      this.servedRecords.delete(id);
      return undefined;
    }
    return record;
  }

  /**
   * Compare-and-sets issued in one run of the event loop (the writes of one engine batch, which
   * the batcher finishes in one synchronous loop) leave together in one pipeline, flushed in a
   * microtask: one round trip per batch, and a lone step waits for no later event-loop phase.
   */
  compareAndSet(id: string, expectedVersion: number, next: SessionRecord): Promise<CompareAndSetResult> {
    return new Promise<CompareAndSetResult>((resolve, reject) => {
      this.compareAndSetThen(id, expectedVersion, next, (error, result) => (result === undefined ? reject(error) : resolve(result)));
    });
  }

  /** compareAndSet with a callback (SessionStore.compareAndSetThen): the same batching, no promise. */
  compareAndSetThen(id: string, expectedVersion: number, next: SessionRecord, done: CompareAndSetDone): void {
    const args = this.compareAndSetArguments({ id, expectedVersion, next });
    this.pendingWrites.push({ args, id, next, done });
    if (!this.writesFlushQueued) {
      this.writesFlushQueued = true;
      queueMicrotask(this.flushWrites);
    }
  }

  /**
   * Each write of the batch settles on its own: on a cluster the batch spans shards, and one
   * shard's failure must not answer 503 for a write another shard applied (the client would be
   * told to retry a step that landed). Only a failure of the whole round trip fails them all.
   */
  private readonly flushWrites = (): void => {
    this.writesFlushQueued = false;
    const writes = this.pendingWrites;
    this.pendingWrites = [];
    const what = writes.length === 1 ? 'update a session' : 'update sessions';
    this.connection
      .run(what, async (redis): Promise<[Error | null, unknown][]> => {
        if (writes.length === 1) return [[null, await redis.rnnSessionCompareAndSet(...writes[0]!.args)]];
        if (redis instanceof Redis) {
          // One server: the whole batch in one script call, its arguments packed in one Buffer
          // (redis-batch-writes.ts). One command instead of one per write spares ioredis'
          // per-command and per-argument work, which was most of a Redis step's extra CPU. The
          // results are per write, as a pipeline's.
          const replies = await redis.rnnSessionCompareAndSetMany(writes.length, ...writes.map((write) => write.args[0]), packCompareAndSets(writes.map((write) => write.args)));
          return replies.map((reply): [Error | null, unknown] => (reply instanceof Error ? [reply, null] : [null, reply]));
        }
        const pipeline = pipelineOf(redis);
        for (const write of writes) pipeline.rnnSessionCompareAndSet(...write.args);
        const results = await pipeline.exec();
        if (results === null) throw new Error('the pipeline was discarded');
        return results;
      })
      .then(
        (results) => {
          writes.forEach((write, i) => {
            const [error, reply] = results[i]!;
            if (error) {
              this.servedRecords.delete(write.id);
              write.done(this.connection.failure('update a session', error));
              return;
            }
            let result: CompareAndSetResult;
            try {
              result = this.settle(compareAndSetResult(reply as string, write.id), write.id, write.next);
            } catch (failure) {
              write.done(failure);
              return;
            }
            write.done(undefined, result);
          });
        },
        (error: unknown) => {
          for (const write of writes) {
            this.servedRecords.delete(write.id);
            write.done(error);
          }
        },
      );
  };

  /**
   * Reads several sessions in ONE round trip (a pipeline of HMGETs): what get() answers, per id,
   * in order. For a batcher that loads the sessions of a batch at once. Standalone Redis only:
   * a Cluster pipeline must stay within one slot, and these keys are spread across slots.
   */
  async getMany(ids: readonly string[]): Promise<(SessionRecord | undefined)[]> {
    if (ids.length === 0) return [];
    const keys = ids.map((id) => this.keys.session(id));
    const replies = await this.connection.run('read sessions', async (redis) => {
      const pipeline = pipelineOf(redis);
      for (const key of keys) pipeline.hmgetBuffer(key, ...SESSION_FIELDS);
      return pipelineResults<(Buffer | null)[]>(await pipeline.exec());
    });
    return replies.map((values, i) => this.remember(ids[i]!, this.live(decodeSession(ids[i]!, keys[i]!, values))));
  }

  /**
   * Several compare-and-sets in ONE round trip (a pipeline of the same script compareAndSet runs):
   * what compareAndSet answers, per item, in order. Each item is atomic on its own; the batch is
   * not a transaction (one may conflict while the others succeed). Standalone Redis only, as getMany.
   */
  async compareAndSetMany(items: readonly CompareAndSetItem[]): Promise<CompareAndSetResult[]> {
    if (items.length === 0) return [];
    const args = items.map((item) => this.compareAndSetArguments(item));
    const replies = await this.connection.run('update sessions', async (redis) => {
      const pipeline = pipelineOf(redis);
      for (const itemArgs of args) pipeline.rnnSessionCompareAndSet(...itemArgs);
      return pipelineResults<string>(await pipeline.exec());
    });
    return replies.map((reply, i) => this.settle(compareAndSetResult(reply, items[i]!.id), items[i]!.id, items[i]!.next));
  }

  async renew(id: string, expiresAt: number): Promise<boolean> {
    // The sorted set's score may lag behind, as after any write: the sweep re-files the session.
    const renewed = await this.connection.run('renew a session', (redis) =>
      redis.rnnSessionRenew(this.keys.session(id), this.now(), expiryArgument(expiresAt)),
    );
    if (renewed !== 1) {
      this.servedRecords.delete(id);
      return false;
    }
    // The held record (same version) now expires later too.
    const held = this.servedRecords.get(id);
    if (held !== undefined && expiresAt > held.expiresAt) this.servedRecords.set(id, { ...held, expiresAt });
    return true;
  }

  async delete(id: string): Promise<boolean> {
    this.servedRecords.delete(id);
    const [outcome, model] = await this.connection.run('delete a session', (redis) =>
      redis.rnnSessionDelete(this.keys.session(id), this.now()),
    );
    // 'expired': gone already; its index entry stays for the sweep, which reports the expiry.
    if (outcome !== 'deleted' || model === undefined) return false;
    await this.forget(this.keys.index(id), [expiryMember(model, id)]);
    return true;
  }

  /** Sessions per model across every replica sharing the prefix (after a sweep, as the memory store does). */
  async countByModel(): Promise<Map<string, number>> {
    await this.sweep();
    const byModel = new Map<string, number>();
    for (const index of this.keys.indexes) {
      const counts = await this.connection.run('count sessions', (redis) => redis.hgetall(index.models));
      for (const [model, count] of Object.entries(counts)) {
        if (Number(count) > 0) byModel.set(model, (byModel.get(model) ?? 0) + Number(count));
      }
    }
    return byModel;
  }

  get roundTrips(): number {
    return this.connection.roundTrips;
  }

  onExpired(listener: (model: string) => void): void {
    this.expiryListeners.push(listener);
  }

  async ping(): Promise<void> {
    await this.connection.run('answer PING', (redis) => redis.ping());
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.servedRecords.clear();
    // The running sweep and the one queued behind it (which starts once the first is done).
    for (let run = this.sweepingNext ?? this.sweeping; run !== undefined; run = this.sweepingNext ?? this.sweeping) {
      await run.catch(() => undefined);
    }
    await this.connection.close();
  }

  /**
   * Removes the sessions whose index entry came due and that really expired, reporting each to
   * the onExpired listeners, and re-files the ones a write kept alive. Answers how many expiries
   * the run it joined reported. The run starts after the call: one already running read the
   * clock before it and may miss what came due since (a count taken right after would still
   * include those sessions), so a caller that finds one running waits for it and shares the next
   * run with every caller that came meanwhile. At most one run is queued, however many call.
   */
  sweep(): Promise<number> {
    if (this.sweeping === undefined) return this.startSweep();
    this.sweepingNext ??= this.sweeping.then(
      () => this.sweepAfterRunning(),
      () => this.sweepAfterRunning(),
    );
    return this.sweepingNext;
  }

  private sweepAfterRunning(): Promise<number> {
    this.sweepingNext = undefined;
    // A run that started meanwhile started after every caller waiting here: it will do.
    return this.sweeping ?? this.startSweep();
  }

  private startSweep(): Promise<number> {
    const run = this.sweepDue().finally(() => {
      if (this.sweeping === run) this.sweeping = undefined;
    });
    this.sweeping = run;
    return run;
  }

  private async sweepDue(): Promise<number> {
    let reported = 0;
    for (const index of this.keys.indexes) reported += await this.sweepIndex(index);
    return reported;
  }

  private async sweepIndex(index: IndexKeys): Promise<number> {
    let reported = 0;
    for (let batch = 0; batch < MAX_SWEEP_BATCHES; batch++) {
      const now = this.now();
      const due = await this.connection.run('find expired sessions', (redis) =>
        redis.zrangebyscore(index.expiries, '-inf', now, 'LIMIT', 0, this.sweepBatchSize),
      );
      if (due.length === 0) break;
      const fates = await this.connection.run('expire sessions', async (redis) => {
        const pipeline = pipelineOf(redis);
        for (const member of due) pipeline.rnnSessionReap(this.keys.session(parseExpiryMember(member).id), now);
        return pipelineResults<string | null>(await pipeline.exec());
      });
      const gone = due.filter((_, i) => fates[i] === null);
      const alive = due.flatMap((member, i) => (fates[i] === null ? [] : [fates[i]!, member]));
      if (alive.length > 0) {
        // XX: never re-add a session someone removed meanwhile; GT: never move an entry back.
        await this.connection.run('re-file live sessions', (redis) => redis.zadd(index.expiries, 'XX', 'GT', ...alive));
      }
      const removed = gone.length > 0 ? await this.forget(index, gone) : [];
      removed.forEach((wasRemoved, i) => {
        if (wasRemoved !== 1) return;
        reported++;
        const { model } = parseExpiryMember(gone[i]!);
        for (const listener of this.expiryListeners) listener(model);
      });
      if (due.length < this.sweepBatchSize) break;
    }
    return reported;
  }

  private backgroundSweep(): void {
    // While Redis is away the connection has reported the outage once; no sweep error per tick.
    if (!this.connection.ready) return;
    this.sweep().catch((error: unknown) => this.onError?.(error as Error));
  }

  /** Takes a place in the index for `record`: ['ok'] | ['exists'] | ['full', due, earliestExpiresAt]. */
  private reserve(record: SessionRecord, member: string): Promise<[string, number?, string?]> {
    const index = this.keys.index(record.id);
    return this.connection.run('reserve a session place', (redis) =>
      redis.rnnIndexReserve(index.expiries, index.models, member, record.expiresAt, record.model, index.maxSessions, this.now()),
    );
  }

  /** Removes index entries; per member, 1 when this call removed it. */
  private forget(index: IndexKeys, members: readonly string[]): Promise<number[]> {
    return this.connection.run('release session places', (redis) => redis.rnnIndexForget(index.expiries, index.models, ...members));
  }

  /**
   * The script's arguments. When this replica holds the version being replaced, only the fields
   * that differ from it are sent (a step: t, version, expiresAt and the state; a renewal: no
   * state); otherwise all of them.
   */
  private compareAndSetArguments(item: CompareAndSetItem): [string, number, number, number, ...(string | Buffer)[]] {
    const { id, expectedVersion, next } = item;
    const held = this.servedRecords.get(id);
    const previous = held !== undefined && held.version === expectedVersion ? held : undefined;
    return [
      this.keys.session(id),
      this.now(),
      expectedVersion,
      expiryArgument(next.expiresAt),
      ...sessionFields(next, { withModel: false, previous }),
    ];
  }

  /** Keeps what a compare-and-set wrote; forgets a record it proved stale or gone. */
  private settle(result: CompareAndSetResult, id: string, next: SessionRecord): CompareAndSetResult {
    if (result === 'ok') this.remember(id, next);
    else this.servedRecords.delete(id);
    return result;
  }

  /** Records `record` (the latest this replica knows) as the most recently used; passes it through. */
  private remember(id: string, record: SessionRecord | undefined): SessionRecord | undefined {
    this.servedRecords.delete(id);
    if (record === undefined) return undefined;
    this.servedRecords.set(id, record);
    if (this.servedRecords.size > this.maxServed) {
      // Map iteration is insertion order: the first key is the least recently used.
      this.servedRecords.delete(this.servedRecords.keys().next().value!);
    }
    return record;
  }

  /** The record unless it has expired by this replica's clock (Redis may not have dropped it yet). */
  private live(record: SessionRecord | undefined): SessionRecord | undefined {
    return record !== undefined && record.expiresAt > this.now() ? record : undefined;
  }
}

/** PEXPIREAT takes whole milliseconds; rounding up never drops a session before its expiresAt. */
function expiryArgument(expiresAt: number): number {
  return Math.ceil(expiresAt);
}

function compareAndSetResult(reply: string, id: string): CompareAndSetResult {
  if (reply === 'ok' || reply === 'conflict' || reply === 'missing') return reply;
  throw new Error(`compare-and-set of session ${id}: unexpected script reply ${JSON.stringify(reply)}`);
}

/** The replies of an executed pipeline; the first failed command fails the whole call. */
function pipelineResults<T>(results: [Error | null, unknown][] | null): T[] {
  if (results === null) throw new Error('the pipeline was discarded');
  return results.map(([error, reply]) => {
    if (error) throw error;
    return reply as T;
  });
}

// The default session store: sessions in this process's memory.
//
// Expiry without scanning: every session sits in exactly one time bucket (one per bucketMs of
// expiresAt). Using a session does not move it (the hot path stays a Map write); when its bucket
// comes due, the sweep drops it if it really expired, else re-files it under its current
// expiresAt. So each session is looked at about once per TTL, and the buckets never hold more
// than one entry per session. Reads check expiresAt themselves: an expired session is gone at
// once, whether or not the sweep has run; counts and the MAX_SESSIONS check may include it for
// at most one more bucket.
import { sessionExists, tooManySessions, type CompareAndSetResult, type SessionRecord, type SessionStore } from './session-store.js';

export interface MemorySessionStoreOptions {
  readonly maxSessions: number;
  /** Epoch milliseconds; injectable so TTL tests move time instead of sleeping. */
  readonly clock?: () => number;
  /** Width of an expiry bucket (default 1000 ms). */
  readonly bucketMs?: number;
  /** How often the background sweep runs (default 1000 ms; the timer never keeps the process alive). */
  readonly sweepIntervalMs?: number;
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly counts = new Map<string, number>();
  /** Bucket number (floor(expiresAt / bucketMs)) -> ids filed there. */
  private readonly buckets = new Map<number, string[]>();
  /** Every bucket below this one has been swept. */
  private nextBucket: number;
  private readonly expiryListeners: ((model: string) => void)[] = [];
  private readonly maxSessions: number;
  private readonly clock: () => number;
  private readonly bucketMs: number;
  private readonly timer: NodeJS.Timeout;

  constructor(options: MemorySessionStoreOptions) {
    this.maxSessions = options.maxSessions;
    this.clock = options.clock ?? Date.now;
    this.bucketMs = options.bucketMs ?? 1000;
    this.nextBucket = this.bucketOf(this.clock());
    this.timer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 1000);
    this.timer.unref();
  }

  async create(record: SessionRecord): Promise<void> {
    this.sweep();
    if (this.sessions.size >= this.maxSessions) {
      throw tooManySessions(this.maxSessions, this.secondsUntilNextExpiry());
    }
    // live(): an expired session of that id is gone (a caller-chosen id may be reused at once).
    if (this.live(record.id) !== undefined) throw sessionExists(record.id);
    this.sessions.set(record.id, copyOf(record));
    this.counts.set(record.model, (this.counts.get(record.model) ?? 0) + 1);
    this.file(record.id, record.expiresAt);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const record = this.live(id);
    return record === undefined ? undefined : copyOf(record);
  }

  served(id: string): SessionRecord | undefined {
    return this.live(id);
  }

  async compareAndSet(id: string, expectedVersion: number, next: SessionRecord): Promise<CompareAndSetResult> {
    return this.compareAndSetNow(id, expectedVersion, next);
  }

  compareAndSetNow(id: string, expectedVersion: number, next: SessionRecord): CompareAndSetResult {
    const record = this.live(id);
    if (record === undefined) return 'missing';
    if (record.version !== expectedVersion) return 'conflict';
    // The session stays in its bucket; the sweep re-files it under next.expiresAt when that
    // bucket comes due. (A session never changes model, so the per-model counts stay.) A write
    // that keeps the stored state array (a resident session's step: its state is in its slot,
    // src/sessions/sessions.ts) costs no copy.
    this.sessions.set(id, next.state === record.state ? next : copyOf(next));
    return 'ok';
  }

  async renew(id: string, expiresAt: number): Promise<boolean> {
    const record = this.live(id);
    if (record === undefined) return false;
    // Filed buckets stay: the sweep re-files a session that is still alive when its bucket comes due.
    if (expiresAt > record.expiresAt) this.sessions.set(id, { ...record, expiresAt });
    return true;
  }

  async delete(id: string): Promise<boolean> {
    const record = this.live(id);
    if (record === undefined) return false;
    this.remove(record);
    return true;
  }

  async countByModel(): Promise<Map<string, number>> {
    this.sweep();
    return new Map(this.counts);
  }

  onExpired(listener: (model: string) => void): void {
    this.expiryListeners.push(listener);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.sessions.clear();
    this.counts.clear();
    this.buckets.clear();
  }

  /** Sessions held, expired-but-unswept ones included (for tests and diagnostics). */
  get size(): number {
    return this.sessions.size;
  }

  /** Drops every session whose bucket is due and that really expired; re-files the others. */
  sweep(): void {
    const now = this.clock();
    // Up to the current bucket: its live sessions are re-filed into the next one, so a session
    // that expired is dropped at most one bucket (bucketMs) after it expired.
    const last = this.bucketOf(now);
    if (last < this.nextBucket) return;
    // After a long pause (or a clock jump) there may be far more bucket numbers than buckets.
    const due =
      last - this.nextBucket > this.buckets.size
        ? [...this.buckets.keys()].filter((bucket) => bucket <= last).sort((a, b) => a - b)
        : range(this.nextBucket, last);
    this.nextBucket = last + 1;
    for (const bucket of due) {
      const ids = this.buckets.get(bucket);
      if (ids === undefined) continue;
      this.buckets.delete(bucket);
      for (const id of ids) {
        const record = this.sessions.get(id);
        if (record === undefined) continue; // deleted meanwhile
        if (record.expiresAt <= now) this.expire(record);
        else this.file(id, record.expiresAt);
      }
    }
  }

  /** The session if it exists and has not expired; an expired one is dropped on the spot. */
  private live(id: string): SessionRecord | undefined {
    const record = this.sessions.get(id);
    if (record === undefined) return undefined;
    if (record.expiresAt <= this.clock()) {
      this.expire(record);
      return undefined;
    }
    return record;
  }

  private expire(record: SessionRecord): void {
    this.remove(record);
    for (const listener of this.expiryListeners) listener(record.model);
  }

  /** Forgets the session; its bucket entry goes stale and is skipped by the sweep. */
  private remove(record: SessionRecord): void {
    this.sessions.delete(record.id);
    this.uncount(record.model);
  }

  private uncount(model: string): void {
    const count = (this.counts.get(model) ?? 0) - 1;
    if (count > 0) this.counts.set(model, count);
    else this.counts.delete(model);
  }

  private file(id: string, expiresAt: number): void {
    // A bucket already swept would never be looked at again: use the next one to be swept.
    const bucket = Math.max(this.bucketOf(expiresAt), this.nextBucket);
    const ids = this.buckets.get(bucket);
    if (ids === undefined) this.buckets.set(bucket, [id]);
    else ids.push(id);
  }

  private bucketOf(time: number): number {
    return Math.floor(time / this.bucketMs);
  }

  /** A hint for Retry-After: when the earliest filed session may expire. */
  private secondsUntilNextExpiry(): number {
    let earliest = Infinity;
    for (const bucket of this.buckets.keys()) earliest = Math.min(earliest, bucket);
    if (earliest === Infinity) return 1;
    return (earliest * this.bucketMs - this.clock()) / 1000;
  }
}

/** The store never shares a state array with its callers, in either direction. */
function copyOf(record: SessionRecord): SessionRecord {
  return { ...record, state: record.state.slice() };
}

function range(from: number, to: number): number[] {
  const numbers: number[] = [];
  for (let n = from; n <= to; n++) numbers.push(n);
  return numbers;
}

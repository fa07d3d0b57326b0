// Where sessions live. The inference service only talks to this interface, so a session may be
// held by this process (memory-session-store.ts) or shared by replicas (a Redis store): nothing
// here assumes the state is local, and every change is a compare-and-set on `version`.
import { SessionExistsError, TooManySessionsError } from '../errors.js';

export interface SessionRecord {
  readonly id: string;
  readonly model: string;
  /** The identity of the model package the session was created with (ModelEntry.identity). */
  readonly modelIdentity: string;
  /**
   * The model version the session runs on (src/model/repository/): it keeps stepping on it while
   * that version is loaded. Absent in records written before versions existed: the newest version.
   */
  readonly modelVersion?: string;
  /** Elements consumed so far. */
  readonly t: number;
  /**
   * Increments on every write, reset included, so a compare-and-set is never fooled by a
   * session that went back to an earlier t.
   */
  readonly version: number;
  /**
   * Flat state, layout of src/engine/types.ts (stateSize values). In an in-process store, a
   * session resident in a slot (slot-table.ts) keeps here the state it entered the slot with;
   * its current state is the slot's row until it is evicted and written back. Read sessions
   * through Sessions (sessions.ts), which knows.
   */
  readonly state: Float32Array;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** Idle time to live. */
  readonly ttlSeconds: number;
  /** Epoch milliseconds; the session is gone from this instant on. */
  readonly expiresAt: number;
}

export type CompareAndSetResult = 'ok' | 'conflict' | 'missing';

/** How compareAndSetThen ends: (undefined, result) or (error). */
export type CompareAndSetDone = (error: unknown, result?: CompareAndSetResult) => void;

export interface SessionStore {
  /**
   * Stores a new session (expiring at record.expiresAt). Throws TooManySessionsError (with
   * retryAfterSeconds) when the store already holds its maximum: sessions are never evicted;
   * SessionExistsError when a live session has the record's id.
   */
  create(record: SessionRecord): Promise<void>;
  /** The session, or undefined when unknown or expired (expired sessions are gone at once, swept or not). */
  get(id: string): Promise<SessionRecord | undefined>;
  /**
   * The session as this process last read or wrote it, without asking anyone (synchronous), or
   * undefined when it holds no live copy. For read-modify-write only: the copy may be stale (a
   * replica sharing the store wrote since), which the compareAndSet that follows detects (then
   * read it again with get). The record is shared, never modify it. In-process stores answer
   * with the session itself, never stale.
   */
  served?(id: string): SessionRecord | undefined;
  /**
   * Atomically replaces the session with `next` if its stored version is still `expectedVersion`;
   * the idle TTL restarts (the session expires at next.expiresAt). The store may keep `next` as
   * it is (its state array included): the caller hands it over and does not modify it later.
   * 'conflict': someone else wrote it first; 'missing': unknown or expired.
   */
  compareAndSet(id: string, expectedVersion: number, next: SessionRecord): Promise<CompareAndSetResult>;
  /** compareAndSet done synchronously, for a store in this process; absent for a remote one. */
  compareAndSetNow?(id: string, expectedVersion: number, next: SessionRecord): CompareAndSetResult;
  /**
   * compareAndSet without a promise, for a remote store: `done` hears (undefined, result) or
   * (error) once the write's round trip is over. It must not throw. For the resident step path,
   * which answers from the callback: no promise between the write and the caller's.
   */
  compareAndSetThen?(id: string, expectedVersion: number, next: SessionRecord, done: CompareAndSetDone): void;
  /**
   * Keeps a live session from expiring before `expiresAt` without writing it: version, t and
   * state stay, so a compare-and-set in flight still lands. Never moves the expiry earlier.
   * False when the session is unknown or expired.
   */
  renew(id: string, expiresAt: number): Promise<boolean>;
  /** True when the session existed. */
  delete(id: string): Promise<boolean>;
  /** Live sessions per model name, for the rnn_sessions_active gauge (read at scrape time). */
  countByModel(): Promise<Map<string, number>>;
  /** Called once per session that expired (not for deleted ones), with its model name. */
  onExpired(listener: (model: string) => void): void;
  /** Round trips to a remote store so far (a pipeline counts once); absent for an in-process store. */
  readonly roundTrips?: number;
  /** Resolves when the store answers; rejects with the reason otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The 429 a full store answers with; retryAfterSeconds becomes the Retry-After header. */
export function tooManySessions(maxSessions: number, retryAfterSeconds: number): Error & { retryAfterSeconds: number } {
  const error = new TooManySessionsError(
    `the server holds its maximum of ${maxSessions} sessions (MAX_SESSIONS); delete unused sessions or retry later`,
  );
  return Object.assign(error, { retryAfterSeconds: Math.max(1, Math.ceil(retryAfterSeconds)) });
}

/** The 409 of create() when a live session already has the record's id. */
export function sessionExists(id: string): Error {
  return new SessionExistsError(`session '${id}' already exists`);
}

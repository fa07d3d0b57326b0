// How a session changes: read, validate, compute, compare-and-set on the record's version, and
// retry from a fresh read when another writer (a replica sharing the store) won. Everything is
// validated before the first write, so a refused request leaves the session exactly as it was.
import { SequenceConflictError, SessionNotFoundError } from '../errors.js';
import type { SessionRecord, SessionStore } from './session-store.js';

/** The fields a write may change; version and expiresAt are the protocol's. */
export type SessionChange = Pick<SessionRecord, 't' | 'state'> & Partial<Pick<SessionRecord, 'modelIdentity' | 'modelVersion'>>;

export interface SessionUpdate {
  /** Throws to refuse the request before anything changes. May run again on a retry. */
  validate(current: SessionRecord): void;
  /** The fields that change. Runs again from the new record after a conflict. */
  compute(current: SessionRecord): Promise<SessionChange>;
}

/** Compare-and-set retries when another replica keeps writing the same session. */
export const MAX_WRITE_ATTEMPTS = 16;

/**
 * Read-modify-write of one session by compare-and-set. On every attempt: read, validate
 * (throwing refuses the request), check expectedT, compute the change, write if nobody wrote
 * meanwhile. A conflict is a 409 when the client named expectedT (it decides), else retried.
 * The caller orders writes to one session (session-order.ts); this only guards against writers
 * it cannot order (other replicas).
 */
export async function writeSession(
  store: SessionStore,
  clock: () => number,
  id: string,
  expectedT: number | undefined,
  update: SessionUpdate,
): Promise<SessionRecord> {
  // The first attempt starts from the record this process holds (no read; one round trip with
  // Redis); it may be stale, so a refusal is only final once checked against a fresh read, and
  // a stale one fails its compare-and-set, after which every attempt reads first.
  let held = store.served?.(id);
  for (let attempt = 1; ; attempt++) {
    const current = held ?? (await requireSession(store, id));
    try {
      update.validate(current);
      checkExpectedT(id, expectedT, current);
    } catch (error) {
      if (held === undefined) throw error;
      held = undefined;
      attempt--;
      continue;
    }
    held = undefined;
    const change = await update.compute(current);
    const next = nextRecord(current, change, clock());
    const outcome = await store.compareAndSet(id, current.version, next);
    if (outcome === 'ok') return next;
    if (outcome === 'missing') throw sessionNotFound(id);
    if (expectedT !== undefined || attempt >= MAX_WRITE_ATTEMPTS) throw changedMeanwhile(id);
  }
}

/** `current` with `change` applied: the next version, its idle TTL restarted at `now`. */
export function nextRecord(current: SessionRecord, change: SessionChange, now: number): SessionRecord {
  return { ...current, ...change, version: current.version + 1, expiresAt: now + current.ttlSeconds * 1000 };
}

/**
 * nextRecord for a step (only t and state change), written field by field: this runs once per
 * step, and two object spreads of a record cost about 25 times what a literal does.
 */
export function steppedRecord(current: SessionRecord, t: number, state: Float32Array, now: number): SessionRecord {
  const next: { -readonly [K in keyof SessionRecord]: SessionRecord[K] } = {
    id: current.id,
    model: current.model,
    modelIdentity: current.modelIdentity,
    t,
    version: current.version + 1,
    state,
    createdAt: current.createdAt,
    ttlSeconds: current.ttlSeconds,
    expiresAt: now + current.ttlSeconds * 1000,
  };
  // Absent stays absent (records from before versions existed), as with nextRecord's spread.
  if (current.modelVersion !== undefined) next.modelVersion = current.modelVersion;
  return next;
}

/** SEQUENCE_CONFLICT unless the session is at expectedT (when the client named one). */
export function checkExpectedT(id: string, expectedT: number | undefined, current: SessionRecord): void {
  if (expectedT !== undefined && expectedT !== current.t) {
    throw new SequenceConflictError(`expected_t is ${expectedT} but session '${id}' is at t = ${current.t}; nothing was changed`);
  }
}

export async function requireSession(store: SessionStore, id: string): Promise<SessionRecord> {
  const session = await store.get(id);
  if (session === undefined) throw sessionNotFound(id);
  return session;
}

export function sessionNotFound(id: string): Error {
  return new SessionNotFoundError(`session '${id}' does not exist or has expired`);
}

function changedMeanwhile(id: string): Error {
  return new SequenceConflictError(`session '${id}' was changed by another request meanwhile; nothing was changed, retry`);
}

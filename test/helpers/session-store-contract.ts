// What every SessionStore must do, whatever holds the sessions (memory, Redis): a suite any
// implementation runs with runSessionStoreContract(name, makeHarness).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionRecord, SessionStore } from '../../src/service/session-store.js';

export interface SessionStoreHarness {
  readonly store: SessionStore;
  /** The store's current time, epoch milliseconds (what expiresAt is compared with). */
  now(): number;
  /** Lets `ms` of the store's time pass (a manual clock, or a real wait). */
  advance(ms: number): Promise<void>;
  /** Releases the store and whatever the harness set up. */
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly maxSessions: number;
}

let sequence = 0;

/** A session record at the harness's time; ids are unique across the whole test run. */
export function sessionRecord(harness: SessionStoreHarness, fields: Partial<SessionRecord> = {}): SessionRecord {
  const now = harness.now();
  const ttlSeconds = fields.ttlSeconds ?? 60;
  return {
    id: `contract-${process.pid}-${++sequence}`,
    model: 'gru',
    modelIdentity: 'sha256:abc',
    t: 0,
    version: 0,
    state: Float32Array.from([0.5, -1.25, 3, 0]),
    createdAt: now,
    ttlSeconds,
    expiresAt: now + ttlSeconds * 1000,
    ...fields,
  };
}

/** The record after one write: what the inference service passes to compareAndSet. */
function written(harness: SessionStoreHarness, current: SessionRecord, change: Partial<SessionRecord>): SessionRecord {
  return {
    ...current,
    ...change,
    version: current.version + 1,
    expiresAt: harness.now() + current.ttlSeconds * 1000,
  };
}

function assertSameRecord(got: SessionRecord | undefined, want: SessionRecord, what: string): void {
  assert.ok(got !== undefined, `${what}: the session is missing`);
  const { state: gotState, ...gotFields } = got;
  const { state: wantState, ...wantFields } = want;
  assert.deepEqual(gotFields, wantFields, `${what}: fields`);
  assert.ok(gotState instanceof Float32Array, `${what}: state is a Float32Array`);
  assert.deepEqual(Array.from(gotState), Array.from(wantState), `${what}: state`);
}

export function runSessionStoreContract(
  name: string,
  makeHarness: (options: HarnessOptions) => Promise<SessionStoreHarness>,
): void {
  describe(`session store contract: ${name}`, () => {
    /** A fresh store per test, closed whatever happens. */
    async function withStore(options: Partial<HarnessOptions>, body: (harness: SessionStoreHarness) => Promise<void>) {
      const harness = await makeHarness({ maxSessions: 100, ...options });
      try {
        await body(harness);
      } finally {
        await harness.close();
      }
    }

    it('creates and reads back a session, every field and the state', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness, { t: 7, version: 3 });
        await harness.store.create(record);
        assertSameRecord(await harness.store.get(record.id), record, 'after create');
      }));

    it('answers undefined for an unknown id', () =>
      withStore({}, async (harness) => {
        assert.equal(await harness.store.get('no-such-session'), undefined);
      }));

    it('compareAndSet writes when the version matches', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness);
        await harness.store.create(record);
        const next = written(harness, record, { t: 2, state: Float32Array.from([1, 2, 3, 4]) });
        assert.equal(await harness.store.compareAndSet(record.id, record.version, next), 'ok');
        assertSameRecord(await harness.store.get(record.id), next, 'after the write');
      }));

    it('compareAndSet refuses a stale version and changes nothing', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness);
        await harness.store.create(record);
        const first = written(harness, record, { t: 1 });
        assert.equal(await harness.store.compareAndSet(record.id, record.version, first), 'ok');
        const stale = written(harness, record, { t: 5, state: Float32Array.from([9, 9, 9, 9]) });
        assert.equal(await harness.store.compareAndSet(record.id, record.version, stale), 'conflict');
        assertSameRecord(await harness.store.get(record.id), first, 'after the refused write');
      }));

    it('compareAndSet answers missing for an unknown session', () =>
      withStore({}, async (harness) => {
        const ghost = sessionRecord(harness);
        assert.equal(await harness.store.compareAndSet(ghost.id, 0, written(harness, ghost, { t: 1 })), 'missing');
        assert.equal(await harness.store.get(ghost.id), undefined, 'compareAndSet never creates');
      }));

    it('a reset back to t = 0 still bumps the version, so an older writer at t = 0 conflicts', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness);
        await harness.store.create(record);
        const stepped = written(harness, record, { t: 3 });
        assert.equal(await harness.store.compareAndSet(record.id, 0, stepped), 'ok');
        const reset = written(harness, stepped, { t: 0, state: new Float32Array(4) });
        assert.equal(await harness.store.compareAndSet(record.id, 1, reset), 'ok');
        assert.equal((await harness.store.get(record.id))?.version, 2);
        // A writer that read the session at t = 0 before the first step must not win now.
        assert.equal(await harness.store.compareAndSet(record.id, 0, written(harness, record, { t: 1 })), 'conflict');
      }));

    it('of two concurrent writes from the same version, exactly one succeeds', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness);
        await harness.store.create(record);
        const results = await Promise.all([
          harness.store.compareAndSet(record.id, 0, written(harness, record, { t: 1, state: Float32Array.from([1, 1, 1, 1]) })),
          harness.store.compareAndSet(record.id, 0, written(harness, record, { t: 1, state: Float32Array.from([2, 2, 2, 2]) })),
        ]);
        assert.deepEqual([...results].sort(), ['conflict', 'ok']);
        const winner = results[0] === 'ok' ? 1 : 2;
        assert.deepEqual(Array.from((await harness.store.get(record.id))!.state), [winner, winner, winner, winner]);
      }));

    it('delete removes the session once', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness);
        await harness.store.create(record);
        assert.equal(await harness.store.delete(record.id), true);
        assert.equal(await harness.store.get(record.id), undefined);
        assert.equal(await harness.store.delete(record.id), false);
        assert.equal(await harness.store.compareAndSet(record.id, 0, written(harness, record, { t: 1 })), 'missing');
      }));

    it('an idle session is gone once its TTL has passed', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness, { ttlSeconds: 1 });
        await harness.store.create(record);
        await harness.advance(500);
        assert.ok((await harness.store.get(record.id)) !== undefined, 'still there before its TTL');
        await harness.advance(1000);
        assert.equal(await harness.store.get(record.id), undefined);
        assert.equal(await harness.store.compareAndSet(record.id, 0, written(harness, record, { t: 1 })), 'missing');
        assert.equal(await harness.store.delete(record.id), false);
      }));

    it('a write restarts the idle TTL', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness, { ttlSeconds: 2 });
        await harness.store.create(record);
        await harness.advance(1500);
        assert.equal(await harness.store.compareAndSet(record.id, 0, written(harness, record, { t: 1 })), 'ok');
        await harness.advance(1500); // 3 s after creation, 1.5 s after the write
        assert.equal((await harness.store.get(record.id))?.t, 1, 'alive: the write restarted its TTL');
        await harness.advance(1000);
        assert.equal(await harness.store.get(record.id), undefined, 'gone 2.5 s after the write');
      }));

    it('renew keeps a session alive without writing it: same version, t and state; a write in flight still lands', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness, { ttlSeconds: 2 });
        await harness.store.create(record);
        await harness.advance(1500);
        const renewedUntil = harness.now() + 2000;
        assert.equal(await harness.store.renew(record.id, renewedUntil), true);
        assert.equal(await harness.store.renew(record.id, renewedUntil - 1000), true, 'an earlier expiry is ignored');
        await harness.advance(1500); // 3 s after creation, 1.5 s after the renewal
        const alive = await harness.store.get(record.id);
        assertSameRecord(alive, { ...record, expiresAt: renewedUntil }, 'renewed, unwritten');
        assert.equal(await harness.store.compareAndSet(record.id, record.version, written(harness, record, { t: 1 })), 'ok');
        assert.equal(await harness.store.renew('no-such-session', renewedUntil), false);
        await harness.advance(2500);
        assert.equal(await harness.store.renew(record.id, harness.now() + 2000), false, 'an expired session is not brought back');
        assert.equal(await harness.store.get(record.id), undefined);
      }));

    it('refuses sessions beyond maxSessions with TOO_MANY_SESSIONS and a retry hint, evicting nothing', () =>
      withStore({ maxSessions: 3 }, async (harness) => {
        const records = [sessionRecord(harness), sessionRecord(harness), sessionRecord(harness)];
        for (const record of records) await harness.store.create(record);
        await assert.rejects(harness.store.create(sessionRecord(harness)), (error: unknown) => {
          const refused = error as { code?: string; statusCode?: number; retryAfterSeconds?: number };
          assert.equal(refused.code, 'TOO_MANY_SESSIONS');
          assert.equal(refused.statusCode, 429);
          assert.ok(Number.isInteger(refused.retryAfterSeconds) && refused.retryAfterSeconds! >= 1, 'retryAfterSeconds >= 1');
          return true;
        });
        for (const record of records) assert.ok((await harness.store.get(record.id)) !== undefined, 'no eviction');
        await harness.store.delete(records[0]!.id);
        await harness.store.create(sessionRecord(harness));
      }));

    it('expired sessions free their places', () =>
      withStore({ maxSessions: 2 }, async (harness) => {
        await harness.store.create(sessionRecord(harness, { ttlSeconds: 1 }));
        await harness.store.create(sessionRecord(harness, { ttlSeconds: 1 }));
        await harness.advance(1500);
        await harness.store.create(sessionRecord(harness));
        await harness.store.create(sessionRecord(harness));
      }));

    it('never shares a state array with its callers', () =>
      withStore({}, async (harness) => {
        const record = sessionRecord(harness);
        await harness.store.create(record);
        record.state.fill(42);
        const read = await harness.store.get(record.id);
        assert.deepEqual(Array.from(read!.state), [0.5, -1.25, 3, 0], 'create copied the state');
        read!.state.fill(7);
        assert.deepEqual(Array.from((await harness.store.get(record.id))!.state), [0.5, -1.25, 3, 0], 'get returned a copy');
        const next = written(harness, read!, { t: 1, state: Float32Array.from([1, 2, 3, 4]) });
        assert.equal(await harness.store.compareAndSet(record.id, 0, next), 'ok');
        next.state.fill(-1);
        assert.deepEqual(Array.from((await harness.store.get(record.id))!.state), [1, 2, 3, 4], 'compareAndSet copied the state');
      }));

    it('counts live sessions per model', () =>
      withStore({}, async (harness) => {
        const gone = sessionRecord(harness, { model: 'lstm' });
        await harness.store.create(sessionRecord(harness, { model: 'gru' }));
        await harness.store.create(sessionRecord(harness, { model: 'gru' }));
        await harness.store.create(sessionRecord(harness, { model: 'lstm', ttlSeconds: 1 }));
        await harness.store.create(gone);
        await harness.store.delete(gone.id);
        assert.deepEqual(Object.fromEntries(await harness.store.countByModel()), { gru: 2, lstm: 1 });
        await harness.advance(1500);
        assert.deepEqual(Object.fromEntries(await harness.store.countByModel()), { gru: 2 });
      }));

    it('answers ping', () =>
      withStore({}, async (harness) => {
        await harness.store.ping();
      }));
  });
}

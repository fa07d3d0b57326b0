// The Redis session store against a real single Redis (TEST_REDIS_URL, default
// redis://127.0.0.1:6379) and against a real Redis Cluster of three primaries and three replicas
// this file starts on local ports (test/helpers/store-targets.ts): the shared store contract,
// how it lays out and expires keys, its batched calls, and two store instances sharing one prefix
// the way two replicas do. Every store gets its own random key prefix; all of them are deleted at
// the end.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { createRedisSessionStore, type RedisSessionStore } from '../../src/sessions/redis-session-store.js';
import type { SessionRecord } from '../../src/sessions/session-store.js';
import { runSessionStoreContract, sessionRecord, type SessionStoreHarness } from '../helpers/session-store-contract.js';
import { storeTargets, type StoreTarget } from '../helpers/store-targets.js';

const targets = await storeTargets();

/** Epoch milliseconds that move only when told; starts at the real time so leftovers still expire. */
class ManualClock {
  private time = Date.now();
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

function suite(target: StoreTarget): void {
  const { admin } = target;

  /**
   * Stores sharing a prefix and a clock: replicas of one deployment. Only explicit sweeps run.
   * With a test context they are closed after the test, whatever happens.
   */
  function replicas(count: number, maxSessions: number, t?: TestContext, indexPartitions = 1) {
    const clock = new ManualClock();
    const prefix = target.newPrefix();
    const stores = Array.from({ length: count }, () =>
      createRedisSessionStore({ ...target.connection, keyPrefix: prefix, maxSessions, indexPartitions, now: clock.now, sweepIntervalMs: 3_600_000 }),
    );
    const close = async (): Promise<void> => {
      await Promise.all(stores.map((store) => store.close()));
    };
    const harness: SessionStoreHarness & { store: RedisSessionStore } = {
      store: stores[0]!,
      now: clock.now,
      advance: async (ms) => clock.advance(ms),
      close,
    };
    t?.after(close);
    return { prefix, stores, harness };
  }

  runSessionStoreContract(target.name, async ({ maxSessions }) => replicas(1, maxSessions).harness);
  // Not the contract with the index in partitions: a create may meet a full partition before the
  // store holds maxSessions (redis-session-keys.ts); 'the index in partitions' below tests that mode.

  /** The first {...} of a key with something inside: what Redis Cluster hashes. */
  function hashTag(key: string): string {
    const open = key.indexOf('{');
    const close = key.indexOf('}', open + 1);
    return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
  }

  function bits(state: Float32Array): number[] {
    return Array.from(new Uint32Array(state.buffer, state.byteOffset, state.length));
  }

  function written(harness: SessionStoreHarness, current: SessionRecord, change: Partial<SessionRecord> = {}): SessionRecord {
    return { ...current, t: current.t + 1, ...change, version: current.version + 1, expiresAt: harness.now() + current.ttlSeconds * 1000 };
  }

  describe(`${target.name} session store: storage`, () => {
    it('keeps the state as raw little-endian float32 bytes, bit-exact', async (t) => {
      const { harness } = replicas(1, 100, t);
      const special = Float32Array.from([-0, 0, 1.401298464324817e-45, -1.1754942106924411e-38, 3.4028234663852886e38, -Infinity, Infinity, NaN, 1 / 3]);
      const record = sessionRecord(harness, { state: special });
      await harness.store.create(record);
      const stored = await admin.hgetBuffer(harness.store.keys.session(record.id), 'state');
      const expected = Buffer.alloc(special.length * 4);
      special.forEach((value, i) => expected.writeFloatLE(value, i * 4));
      assert.deepEqual(stored, expected, 'the stored bytes are the little-endian float32 encoding');
      assert.deepEqual(bits((await harness.store.get(record.id))!.state), bits(special));
    });

    it('round-trips a state larger than one socket read (400 KB)', async (t) => {
      const { harness } = replicas(1, 100, t);
      const state = Float32Array.from({ length: 100_000 }, (_, i) => Math.sin(i) * 1e-3 * i);
      const record = sessionRecord(harness, { state });
      await harness.store.create(record);
      const read = (await harness.store.get(record.id))!.state;
      assert.equal(read.byteOffset % 4, 0);
      assert.deepEqual(bits(read), bits(state));
    });

    it('puts every key under the prefix, the session id as the hash tag, the bookkeeping keys in one slot', async (t) => {
      const { prefix, harness } = replicas(1, 10, t);
      const record = sessionRecord(harness);
      await harness.store.create(record);
      const keys = (await target.keys(prefix)).sort();
      const sessionKey = `${prefix}session:{${record.id}}`;
      assert.deepEqual(keys, [`${prefix}session:{${record.id}}`, `${prefix}{sessions}:expiries`, `${prefix}{sessions}:models`].sort());
      assert.equal(hashTag(sessionKey), record.id);
      assert.equal(hashTag(harness.store.keys.expiries), 'sessions');
      assert.equal(hashTag(harness.store.keys.models), 'sessions');
      assert.equal(await admin.type(sessionKey), 'hash');
    });

    it('sets the key to expire at expiresAt on create and on every write, not on a refused one', async (t) => {
      const { harness } = replicas(1, 100, t);
      const record = sessionRecord(harness, { ttlSeconds: 30 });
      const key = harness.store.keys.session(record.id);
      await harness.store.create(record);
      assert.equal(await admin.pexpiretime(key), record.expiresAt);
      await harness.advance(10_000);
      const next = written(harness, record);
      assert.equal(await harness.store.compareAndSet(record.id, 0, next), 'ok');
      assert.equal(await admin.pexpiretime(key), next.expiresAt, 'the write restarted the idle TTL');
      await harness.advance(5_000);
      assert.equal(await harness.store.compareAndSet(record.id, 0, written(harness, record)), 'conflict');
      assert.equal(await admin.pexpiretime(key), next.expiresAt, 'a refused write leaves the expiry alone');
    });

    it('refuses a session hash it did not write with an error naming the key and the field', async (t) => {
      const { harness } = replicas(1, 100, t);
      const key = harness.store.keys.session('forged');
      await admin.hset(key, { model: 'gru', t: '1' });
      await assert.rejects(harness.store.get('forged'), new RegExp(`Redis key .*forged.*: field modelIdentity is missing`));
      const record = sessionRecord(harness, { id: 'odd-bytes' });
      await harness.store.create(record);
      await admin.hset(harness.store.keys.session(record.id), 'state', Buffer.alloc(5));
      await assert.rejects(harness.store.get(record.id), /field state: 5 bytes is not a whole number of float32 values/);
    });
  });

  describe(`${target.name} session store: batched calls`, () => {
    it('getMany answers what get answers, per id and in order', async (t) => {
      const { harness } = replicas(1, 100, t);
      const a = sessionRecord(harness, { state: Float32Array.from([1, 2, 3, 4]) });
      const b = sessionRecord(harness, { ttlSeconds: 1 });
      const c = sessionRecord(harness, { model: 'lstm', t: 4 });
      for (const record of [a, b, c]) await harness.store.create(record);
      await harness.advance(1500); // b has expired
      const many = await harness.store.getMany([c.id, 'unknown', b.id, a.id]);
      assert.deepEqual(many, [await harness.store.get(c.id), undefined, undefined, await harness.store.get(a.id)]);
      assert.equal(many[0]!.t, 4);
      assert.deepEqual(await harness.store.getMany([]), []);
    });

    it('compareAndSetMany applies each compare-and-set on its own: ok, conflict and missing in one call', async (t) => {
      const { harness } = replicas(1, 100, t);
      const a = sessionRecord(harness);
      const b = sessionRecord(harness);
      await harness.store.create(a);
      await harness.store.create(b);
      const nextA = written(harness, a, { state: Float32Array.from([7, 7, 7, 7]) });
      const results = await harness.store.compareAndSetMany([
        { id: a.id, expectedVersion: 0, next: nextA },
        { id: b.id, expectedVersion: 5, next: written(harness, b) },
        { id: 'unknown', expectedVersion: 0, next: written(harness, { ...a, id: 'unknown' }) },
      ]);
      assert.deepEqual(results, ['ok', 'conflict', 'missing']);
      assert.deepEqual(await harness.store.get(a.id), nextA);
      assert.equal((await harness.store.get(b.id))!.version, 0);
      assert.deepEqual(await harness.store.compareAndSetMany([]), []);
    });
  });

  describe(`${target.name} session store: expiry`, () => {
    it('the sweep re-files a session kept alive by writes and reports it only once it is really idle', async (t) => {
      const { harness } = replicas(1, 100, t);
      const expired: string[] = [];
      harness.store.onExpired((model) => expired.push(model));
      const record = sessionRecord(harness, { ttlSeconds: 2 });
      await harness.store.create(record);
      await harness.advance(1500);
      const next = written(harness, record);
      assert.equal(await harness.store.compareAndSet(record.id, 0, next), 'ok');
      await harness.advance(1000); // past the first expiresAt, which the index still holds
      assert.equal(await harness.store.sweep(), 0);
      assert.ok((await harness.store.get(record.id)) !== undefined, 'still alive');
      assert.equal(Number(await admin.zscore(harness.store.keys.expiries, `gru\u0000${record.id}`)), next.expiresAt, 're-filed');
      await harness.advance(1000);
      assert.equal(await harness.store.sweep(), 1);
      assert.deepEqual(expired, ['gru']);
      assert.equal(await admin.exists(harness.store.keys.session(record.id)), 0, 'the sweep removed the key');
      assert.equal(await harness.store.sweep(), 0, 'reported once');
    });

    it('a session Redis dropped by itself is reported as expired; a deleted one is not', async (t) => {
      const { harness } = replicas(1, 100, t);
      const expired: string[] = [];
      harness.store.onExpired((model) => expired.push(model));
      const dropped = sessionRecord(harness, { model: 'lstm', ttlSeconds: 1 });
      const deleted = sessionRecord(harness, { ttlSeconds: 1 });
      await harness.store.create(dropped);
      await harness.store.create(deleted);
      await admin.del(harness.store.keys.session(dropped.id)); // what PEXPIREAT does at expiresAt
      assert.equal(await harness.store.delete(deleted.id), true);
      await harness.advance(1500);
      assert.equal(await harness.store.sweep(), 1);
      assert.deepEqual(expired, ['lstm']);
      assert.deepEqual(Object.fromEntries(await harness.store.countByModel()), {});
    });

    it('a count asked for while a sweep runs waits for a sweep that began after it, so it sees what came due meanwhile', async (t) => {
      const { harness } = replicas(1, 100, t);
      await harness.store.create(sessionRecord(harness, { ttlSeconds: 1 }));
      await harness.store.create(sessionRecord(harness, { ttlSeconds: 600 }));
      const early = harness.store.sweep(); // reads the clock now: nothing is due yet
      await harness.advance(2000);
      const [counts, ranEarly, ranLater] = await Promise.all([harness.store.countByModel(), early, harness.store.sweep()]);
      assert.deepEqual(Object.fromEntries(counts), { gru: 1 });
      assert.equal(ranEarly, 0);
      assert.equal(ranLater, 1, 'the count and this sweep shared the one run queued behind the early one');
    });
  });

  describe(`${target.name} session store: two replicas sharing one prefix`, () => {
    it('racing 40 compare-and-sets on one session, exactly one wins each version', async (t) => {
      const { stores, harness } = replicas(2, 10, t);
      const record = sessionRecord(harness, { state: Float32Array.from([0]) });
      await harness.store.create(record);
      const wins: number[] = [];
      let conflicts = 0;
      const replica = async (store: RedisSessionStore) => {
        for (;;) {
          const current = (await store.get(record.id))!;
          if (current.version >= 40) return;
          const next = written(harness, current, { state: Float32Array.from([current.state[0]! + 1]) });
          const result = await store.compareAndSet(record.id, current.version, next);
          if (result === 'ok') wins.push(next.version);
          else if (result === 'conflict') conflicts++;
          else assert.fail(`unexpected ${result}`);
        }
      };
      await Promise.all([replica(stores[0]!), replica(stores[1]!), replica(stores[0]!), replica(stores[1]!)]);
      assert.deepEqual([...wins].sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i + 1), 'each version won exactly once');
      const final = (await stores[1]!.get(record.id))!;
      assert.deepEqual([final.version, final.t, final.state[0]], [40, 40, 40], 'no write was lost');
      assert.ok(conflicts > 0, 'the replicas did race');
    });

    it('enforces maxSessions across replicas, also for concurrent creates', async (t) => {
      const { stores, harness } = replicas(2, 5, t);
      const attempts = Array.from({ length: 12 }, (_, i) => stores[i % 2]!.create(sessionRecord(harness, { model: i % 3 === 0 ? 'lstm' : 'gru' })));
      const outcomes = await Promise.allSettled(attempts);
      const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
      assert.equal(outcomes.length - refused.length, 5);
      for (const outcome of refused) assert.equal((outcome.reason as { code?: string }).code, 'TOO_MANY_SESSIONS');
      for (const store of stores) {
        const counts = await store.countByModel();
        assert.equal([...counts.values()].reduce((sum, n) => sum + n, 0), 5, 'every replica counts the shared sessions');
      }
    });

    it('counts each expiry once however many replicas sweep', async (t) => {
      const { stores, harness } = replicas(3, 100, t);
      const expired: string[] = [];
      for (const store of stores) store.onExpired((model) => expired.push(model));
      const models = ['gru', 'gru', 'lstm', 'gru', 'lstm', 'gru', 'rnn'];
      for (const [i, model] of models.entries()) await stores[i % 3]!.create(sessionRecord(harness, { model, ttlSeconds: 1 }));
      await stores[0]!.create(sessionRecord(harness, { model: 'gru', ttlSeconds: 60 }));
      await harness.advance(1500);
      const reported = await Promise.all(stores.map((store) => store.sweep())); // racing each other
      assert.equal(reported.reduce((sum, n) => sum + n, 0), models.length);
      assert.deepEqual(expired.sort(), [...models].sort());
      assert.deepEqual(await Promise.all(stores.map((store) => store.sweep())), [0, 0, 0], 'nothing left to report');
      for (const store of stores) assert.deepEqual(Object.fromEntries(await store.countByModel()), { gru: 1 });
    });
  });

  describe(`${target.name} session store: the index in partitions`, () => {
    it('files sessions under 3 tags, the shares of maxSessions adding up to it, and counts each expiry once', async (t) => {
      const { stores, harness, prefix } = replicas(2, 7, t, 3);
      assert.deepEqual(
        harness.store.keys.indexes.map((index) => [hashTag(index.expiries), hashTag(index.models), index.maxSessions]),
        [['sessions:0', 'sessions:0', 3], ['sessions:1', 'sessions:1', 2], ['sessions:2', 'sessions:2', 2]],
      );
      // 60 attempts: every partition gets more than its share (short of odds around 1e-8).
      const outcomes = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) => stores[i % 2]!.create(sessionRecord(harness, { ttlSeconds: 1, model: i % 2 ? 'gru' : 'lstm' }))),
      );
      const created = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
      assert.equal(created, 7, 'never more than maxSessions in total, and every share used');
      for (const outcome of outcomes) if (outcome.status === 'rejected') assert.equal((outcome.reason as { code?: string }).code, 'TOO_MANY_SESSIONS');
      const keys = await target.keys(prefix);
      assert.deepEqual(new Set(keys.filter((key) => key.includes(':expiries')).map(hashTag)), new Set(['sessions:0', 'sessions:1', 'sessions:2']));
      for (const store of stores) assert.equal([...(await store.countByModel()).values()].reduce((sum, n) => sum + n, 0), 7);
      const expired: string[] = [];
      for (const store of stores) store.onExpired((model) => expired.push(model));
      await harness.advance(1500);
      const reported = await Promise.all(stores.map((store) => store.sweep()));
      assert.equal(reported[0]! + reported[1]!, 7, 'each expiry reported once, by one replica');
      assert.equal(expired.length, 7);
      for (const store of stores) assert.deepEqual(Object.fromEntries(await store.countByModel()), {});
    });
  });
}

for (const target of targets) suite(target);

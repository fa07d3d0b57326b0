// The in-memory session store: the shared contract, then how it expires sessions without scanning.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemorySessionStore } from '../../src/service/memory-session-store.js';
import { ManualClock } from '../helpers/app.js';
import { runSessionStoreContract, sessionRecord, type SessionStoreHarness } from '../helpers/session-store-contract.js';

function memoryHarness(maxSessions: number): SessionStoreHarness & { store: MemorySessionStore; expired: string[] } {
  const clock = new ManualClock();
  const store = new MemorySessionStore({ maxSessions, clock: clock.now });
  const expired: string[] = [];
  store.onExpired((model) => expired.push(model));
  return {
    store,
    expired,
    now: clock.now,
    advance: async (ms) => clock.advance(ms),
    close: () => store.close(),
  };
}

runSessionStoreContract('memory', async ({ maxSessions }) => memoryHarness(maxSessions));

describe('memory session store: expiry', () => {
  it('the sweep drops expired sessions nobody reads, and reports each once by model', async () => {
    const harness = memoryHarness(10);
    await harness.store.create(sessionRecord(harness, { model: 'gru', ttlSeconds: 1 }));
    await harness.store.create(sessionRecord(harness, { model: 'lstm', ttlSeconds: 1 }));
    await harness.store.create(sessionRecord(harness, { model: 'lstm', ttlSeconds: 30 }));
    await harness.advance(2500);
    harness.store.sweep();
    assert.equal(harness.store.size, 1, 'the two expired sessions are no longer held');
    assert.deepEqual(harness.expired.sort(), ['gru', 'lstm']);
    harness.store.sweep();
    assert.equal(harness.expired.length, 2, 'a second sweep reports nothing new');
    await harness.close();
  });

  it('a read of an expired session reports it once, and the sweep does not report it again', async () => {
    const harness = memoryHarness(10);
    const record = sessionRecord(harness, { ttlSeconds: 1 });
    await harness.store.create(record);
    await harness.advance(1000); // expiresAt is exclusive: gone at exactly createdAt + ttl
    assert.equal(await harness.store.get(record.id), undefined);
    assert.equal(await harness.store.get(record.id), undefined);
    await harness.advance(5000);
    harness.store.sweep();
    assert.deepEqual(harness.expired, ['gru']);
    await harness.close();
  });

  it('a session kept alive by writes survives its first bucket and is swept when really idle', async () => {
    const harness = memoryHarness(10);
    let record = sessionRecord(harness, { ttlSeconds: 2 });
    await harness.store.create(record);
    for (let i = 0; i < 5; i++) {
      await harness.advance(1500);
      const next = { ...record, t: record.t + 1, version: record.version + 1, expiresAt: harness.now() + 2000 };
      assert.equal(await harness.store.compareAndSet(record.id, record.version, next), 'ok');
      record = next;
      harness.store.sweep();
      assert.equal(harness.store.size, 1, `alive after write ${i + 1}`);
    }
    await harness.advance(2000);
    harness.store.sweep();
    assert.equal(harness.store.size, 0);
    assert.deepEqual(harness.expired, ['gru']);
    await harness.close();
  });

  it('a deleted session is neither counted nor reported as expired', async () => {
    const harness = memoryHarness(10);
    const record = sessionRecord(harness, { ttlSeconds: 1 });
    await harness.store.create(record);
    await harness.store.delete(record.id);
    await harness.advance(3000);
    harness.store.sweep();
    assert.deepEqual(harness.expired, []);
    await harness.close();
  });

  it('a clock jump of years sweeps without walking every bucket number in between', async () => {
    const harness = memoryHarness(10);
    await harness.store.create(sessionRecord(harness, { ttlSeconds: 1 }));
    await harness.advance(10 * 365 * 24 * 3600 * 1000);
    harness.store.sweep(); // would take minutes if it stepped through ~3e8 bucket numbers
    assert.equal(harness.store.size, 0);
    await harness.close();
  });

  it('Retry-After points at the earliest possible expiry', async () => {
    const harness = memoryHarness(1);
    await harness.store.create(sessionRecord(harness, { ttlSeconds: 30 }));
    await harness.advance(10_000);
    await assert.rejects(harness.store.create(sessionRecord(harness)), (error: { retryAfterSeconds?: number }) => {
      assert.ok(error.retryAfterSeconds! >= 20 && error.retryAfterSeconds! <= 21, `got ${error.retryAfterSeconds}`);
      return true;
    });
    await harness.close();
  });
});

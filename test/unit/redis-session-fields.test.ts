// The fields a compare-and-set sends to Redis: all of them when the replica does not hold the
// record it replaces, only the changed ones when it does (a step: t, version, expiresAt, state).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sessionFields } from '../../src/sessions/redis-session-codec.js';
import type { SessionRecord } from '../../src/sessions/session-store.js';

const previous: SessionRecord = {
  id: 's',
  model: 'gru',
  modelIdentity: 'sha256:abc',
  t: 4,
  version: 9,
  state: Float32Array.from([1, 2]),
  createdAt: 1000,
  ttlSeconds: 60,
  expiresAt: 61_000,
};

const names = (fields: readonly (string | Buffer)[]) => fields.filter((_, i) => i % 2 === 0);

it('without the previous record every field is written', () => {
  assert.deepEqual(names(sessionFields(previous, { withModel: false })), ['modelIdentity', 't', 'version', 'createdAt', 'ttlSeconds', 'expiresAt', 'state']);
  assert.deepEqual(names(sessionFields(previous, { withModel: true })).slice(0, 1), ['model']);
});

it('a step writes only t, version, expiresAt and the state', () => {
  const next = { ...previous, t: 5, version: 10, expiresAt: 62_000, state: Float32Array.from([3, 4]) };
  const fields = sessionFields(next, { withModel: false, previous });
  assert.deepEqual(names(fields), ['t', 'version', 'expiresAt', 'state']);
  assert.deepEqual(fields.slice(1, 6).filter((_, i) => i % 2 === 0), ['5', '10', '62000']);
});

it('a renewal (same state array) writes no state', () => {
  const next = { ...previous, version: 10, expiresAt: 62_000 };
  assert.deepEqual(names(sessionFields(next, { withModel: false, previous })), ['version', 'expiresAt']);
});

it('a reset to another package writes its identity', () => {
  const next = { ...previous, modelIdentity: 'sha256:def', t: 0, version: 10, expiresAt: 62_000, state: new Float32Array(2) };
  assert.deepEqual(names(sessionFields(next, { withModel: false, previous })), ['modelIdentity', 't', 'version', 'expiresAt', 'state']);
});

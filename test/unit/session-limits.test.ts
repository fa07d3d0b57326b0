// MAX_SESSIONS: beyond it, new sessions get 429 TOO_MANY_SESSIONS with Retry-After; nothing is evicted.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { assertError, buildTestApp } from '../helpers/app.js';

const app = await buildTestApp({ MAX_SESSIONS: '3', SESSION_TTL_SECONDS: '120' });
after(() => app.close());

const create = () => app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });

it('refuses the session beyond MAX_SESSIONS with 429 and Retry-After, and accepts one once a place is free', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const response = await create();
    assert.equal(response.statusCode, 201);
    ids.push(response.json().session_id);
  }
  const refused = await create();
  assertError(refused, 429, 'TOO_MANY_SESSIONS', 'maximum of 3 sessions (MAX_SESSIONS)');
  const retryAfter = Number(refused.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 120, `Retry-After: ${refused.headers['retry-after']}`);
  for (const id of ids) assert.equal((await app.inject({ url: `/v1/sessions/${id}` })).statusCode, 200, 'no session was evicted');

  assert.equal((await app.inject({ method: 'DELETE', url: `/v1/sessions/${ids[0]}` })).statusCode, 204);
  assert.equal((await create()).statusCode, 201);
});

// API keys (API_KEYS): /v1 needs `Authorization: Bearer <key>`, probes and docs stay open,
// WebSocket upgrades may pass ?api_key=, and the verifier compares every key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createApiKeyVerifier } from '../../src/plugins/auth.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';

const KEYS = 'first-key-0123456789,second-key-abcdef';

async function appWithKeys(t: test.TestContext, apiKeys = KEYS): Promise<FastifyInstance> {
  const app = await buildApp({ config: loadConfig({ MODELS_DIR: FIXTURES_DIR, API_KEYS: apiKeys }), logger: false });
  t.after(() => app.close());
  return app;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

test('a /v1 request without a key gets 401 UNAUTHORIZED in the error shape, with WWW-Authenticate', async (t) => {
  const app = await appWithKeys(t);
  const response = await app.inject('/v1/models');
  assert.equal(response.statusCode, 401);
  assert.equal(response.headers['www-authenticate'], 'Bearer');
  const body = response.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode']);
  assert.equal(body.code, 'UNAUTHORIZED');
  assert.equal(body.error, 'Unauthorized');
  assert.match(String(body.message), /Authorization: Bearer/);
});

test('a wrong key, another scheme or an empty token gets 401', async (t) => {
  const app = await appWithKeys(t);
  for (const authorization of ['Bearer wrong-key', 'Bearer first-key-012345678', `Basic ${btoa('first-key-0123456789')}`, 'Bearer ', 'first-key-0123456789']) {
    const response = await app.inject({ url: '/v1/models', headers: { authorization } });
    assert.equal(response.statusCode, 401, authorization);
    assert.match(String(response.headers['www-authenticate']), /^Bearer/);
  }
});

test('each configured key is accepted, on reads and writes', async (t) => {
  const app = await appWithKeys(t);
  for (const key of KEYS.split(',')) {
    assert.equal((await app.inject({ url: '/v1/models', headers: bearer(key) })).statusCode, 200, key);
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', headers: bearer(key), payload: { model: 'gru' } });
    assert.equal(created.statusCode, 201, created.body);
  }
  // The scheme name is case-insensitive (RFC 7235).
  assert.equal((await app.inject({ url: '/v1/models', headers: { authorization: 'bearer second-key-abcdef' } })).statusCode, 200);
});

test('the request is refused before its body is read: a huge body still gets 401, not 413', async (t) => {
  const app = await appWithKeys(t);
  const response = await app.inject({
    method: 'POST',
    url: '/v1/models/gru/predict',
    headers: { 'content-type': 'application/json' },
    payload: 'x'.repeat(5 * 1024 * 1024),
  });
  assert.equal(response.statusCode, 401);
});

test('unknown paths under /v1 need a key too, so they do not reveal which routes exist', async (t) => {
  const app = await appWithKeys(t);
  assert.equal((await app.inject('/v1/no-such-route')).statusCode, 401);
  assert.equal((await app.inject({ url: '/v1/no-such-route', headers: bearer('second-key-abcdef') })).statusCode, 404);
});

test('health, readiness, metrics and the API documentation stay open', async (t) => {
  const app = await appWithKeys(t);
  for (const url of ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs']) {
    const response = await app.inject(url);
    assert.notEqual(response.statusCode, 401, url);
    assert.ok(response.statusCode < 400, `${url}: ${response.statusCode}`);
  }
});

test('api_key in the query is accepted for WebSocket upgrades only', async (t) => {
  const app = await appWithKeys(t);
  const upgrade = { connection: 'upgrade', upgrade: 'websocket' };
  // A plain HTTP request cannot authenticate with the query: keys in URLs end up in logs.
  assert.equal((await app.inject('/v1/models?api_key=first-key-0123456789')).statusCode, 401);
  // An upgrade with a valid api_key passes the check (to the 404 of a path with no route).
  const accepted = await app.inject({ url: '/v1/no-such-stream?api_key=first-key-0123456789', headers: upgrade });
  assert.equal(accepted.statusCode, 404);
  const refused = await app.inject({ url: '/v1/no-such-stream?api_key=wrong', headers: upgrade });
  assert.equal(refused.statusCode, 401);
});

test('without API_KEYS every route is open', async (t) => {
  const app = await appWithKeys(t, '');
  assert.equal((await app.inject('/v1/models')).statusCode, 200);
});

test('the verifier accepts exactly the configured keys', () => {
  const verifier = createApiKeyVerifier(['alpha', 'beta', 'ünïcode-key']);
  assert.equal(verifier.required, true);
  for (const key of ['alpha', 'beta', 'ünïcode-key']) assert.equal(verifier.accepts(key), true, key);
  for (const key of [undefined, '', 'alph', 'alpha ', 'ALPHA', 'betabeta']) assert.equal(verifier.accepts(key), false, String(key));
  assert.equal(createApiKeyVerifier([]).required, false);
  assert.equal(createApiKeyVerifier([]).accepts('anything'), false);
});

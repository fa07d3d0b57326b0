// Every failure answers {statusCode, code, error, message}: malformed bodies, oversized bodies,
// unknown routes, faults of the service (without their internals), and a server shutting down.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import type { StepScheduler } from '../../src/service/step-scheduler.js';
import { buildApp } from '../../src/app.js';
import { assertError, buildTestApp, testConfig } from '../helpers/app.js';

const BODY_LIMIT_BYTES = 4096;
const failingScheduler: StepScheduler = {
  run: async () => {
    throw new Error('secret internals: /srv/models/gru at 0xdeadbeef');
  },
  close: async () => {},
};
const app = await buildTestApp({ BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES) });
after(() => app.close());

const post = (url: string, payload: string, contentType = 'application/json') =>
  app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

describe('request errors', () => {
  it('malformed JSON is 400 INVALID_INPUT', async () => {
    assertError(await post('/v1/models/gru/predict', '{"inputs": [[1, 2'), 400, 'INVALID_INPUT', 'the body is not valid JSON');
  });

  it('an empty JSON body is 400 INVALID_INPUT', async () => {
    assertError(await post('/v1/models/gru/predict', ''), 400, 'INVALID_INPUT', 'the body is empty');
  });

  it('a body that is not a JSON object is 400 INVALID_INPUT', async () => {
    assertError(await post('/v1/models/gru/predict', '[1, 2]'), 400, 'INVALID_INPUT', 'the request body must be a JSON object');
    assertError(await post('/v1/models/gru/predict', 'inputs=1', 'text/plain'), 400, 'INVALID_INPUT', 'the request body must be a JSON object');
  });

  it('a content type other than JSON is 400 INVALID_INPUT', async () => {
    assertError(await post('/v1/models/gru/predict', '<inputs/>', 'application/xml'), 400, 'INVALID_INPUT', "content-type 'application/xml' is not supported");
  });

  it('schema errors name the field: wrong types deep in the body', async () => {
    assertError(await post('/v1/sessions/x/steps', '{"inputs": [[1, 2, 3]], "expected_t": "3"}'), 400, 'INVALID_INPUT', 'expected_t is not an integer');
    assertError(await post('/v1/sessions/x/steps', '{"inputs": [[1, 2, 3]], "return_state": "yes"}'), 400, 'INVALID_INPUT', 'return_state must be true or false');
    assertError(await post('/v1/models/gru/predict', '{"sequences": [{"inputs": [[1, "2", 3]]}]}'), 400, 'INVALID_INPUT', 'sequences[0].inputs[0][1] is not a finite number');
  });

  it('a body over BODY_LIMIT_BYTES is 413 PAYLOAD_TOO_LARGE', async () => {
    const inputs = Array.from({ length: 400 }, () => [0.123456, 0.123456, 0.123456]);
    const response = await post('/v1/models/gru/predict', JSON.stringify({ inputs }));
    assertError(response, 413, 'PAYLOAD_TOO_LARGE', `larger than the limit of ${BODY_LIMIT_BYTES} bytes (BODY_LIMIT_BYTES)`);
  });

  it('an unknown route is 404 NOT_FOUND', async () => {
    assertError(await app.inject({ url: '/v3/models' }), 404, 'NOT_FOUND', 'no route GET /v3/models');
  });

  it('the same over a real socket', async () => {
    const response = await request(app.server).post('/v1/models/gru/predict').set('content-type', 'application/json').send('{nope').expect(400);
    assert.equal(response.body.code, 'INVALID_INPUT');
  });
});

describe('faults of the service', () => {
  it('are 500 INTERNAL_ERROR without their internals', async () => {
    const faulty = await buildTestApp({}, { createScheduler: () => failingScheduler });
    try {
      const response = await faulty.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: [[1, 2, 3]] } });
      assertError(response, 500, 'INTERNAL_ERROR', /^internal error \(request .+\); the details are in the server log$/);
      assert.ok(!response.body.includes('secret'), 'the cause stays in the log');
    } finally {
      await faulty.close();
    }
  });
});

describe('shutting down', () => {
  it('refuses new work with 503 SHUTTING_DOWN while probes still answer', async () => {
    const closing = await buildApp({ config: testConfig(), logger: false });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // A preClose hook that waits keeps the server draining (still listening) while we send requests.
    closing.addHook('preClose', () => held);
    const url = await closing.listen({ port: 0, host: '127.0.0.1' });
    const closed = closing.close();
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const refused = await fetch(`${url}/v1/models/gru/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [[1, 2, 3]] }),
      });
      assert.equal(refused.status, 503);
      const body = (await refused.json()) as Record<string, unknown>;
      assert.equal(body.code, 'SHUTTING_DOWN');
      assert.equal(refused.headers.get('connection'), 'close');
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as Record<string, unknown>).reason, 'the server is shutting down');
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
    } finally {
      release();
      await closed;
    }
  });
});

// The service with SESSION_STORE=redis when Redis goes away, seen through HTTP and WebSocket:
// /readyz turns 503, every session route and stream upgrade answers 503 STORE_UNAVAILABLE with
// Retry-After, stateless predict keeps working, an open stream answers its steps with error
// frames and stays open, nothing hangs on a Redis that stopped answering, and everything recovers
// by itself when Redis is back. Redis is reached through a TCP proxy the tests cut and restore.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { assertError, buildTestApp } from '../helpers/app.js';
import { metricSamples, metricValue } from '../helpers/metric-samples.js';
import { RedisPrefixes, RedisProxy, requireRedis } from '../helpers/redis.js';
import { StreamClient, eventually, listenForStreams, refusedUpgrade } from '../helpers/stream-client.js';

const prefixes = new RedisPrefixes();
const proxy = new RedisProxy();
await requireRedis();
await proxy.start();
const app = await buildTestApp({ SESSION_STORE: 'redis', REDIS_URL: proxy.url, REDIS_KEY_PREFIX: prefixes.create('outage') });
const base = await listenForStreams(app);
after(async () => {
  await app.close();
  await proxy.stop();
  await prefixes.deleteAll();
});

const x = [0.5, -0.25, 1];

/** A Retry-After header of 1..5 whole seconds (the store's reconnection schedule). */
function assertRetryAfter(value: string | string[] | number | undefined, what: string): void {
  assert.match(String(value), /^[1-5]$/, `${what}: Retry-After is ${String(value)}`);
}

async function createSession(): Promise<string> {
  const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
  assert.equal(created.statusCode, 201, created.body);
  return (created.json() as { session_id: string }).session_id;
}

async function readiness(): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const response = await app.inject('/readyz');
  return { statusCode: response.statusCode, body: response.json() as Record<string, unknown> };
}

/** Every session route, each with a body that passes its schema, so only the store can refuse it. */
function sessionRequests(id: string) {
  return [
    { method: 'POST' as const, url: '/v1/sessions', payload: { model: 'gru' } },
    { method: 'GET' as const, url: `/v1/sessions/${id}` },
    { method: 'POST' as const, url: `/v1/sessions/${id}/steps`, payload: { inputs: [x] } },
    { method: 'POST' as const, url: `/v1/sessions/${id}/steps`, payload: { inputs: [x], expected_t: 1 } },
    { method: 'POST' as const, url: `/v1/sessions/${id}/reset`, payload: {} },
    { method: 'POST' as const, url: `/v1/sessions/${id}/forecast`, payload: { inputs: [x], horizon: 1 } },
    { method: 'DELETE' as const, url: `/v1/sessions/${id}` },
  ];
}

describe('Redis cut off (the connection refused)', () => {
  let sessionId = '';
  let stream: StreamClient;

  before(async () => {
    sessionId = await createSession();
    stream = await StreamClient.open(`${base}/v1/sessions/${sessionId}/stream`);
    assert.equal((await stream.json()).type, 'ready');
    stream.sendJson({ x, id: 'before' });
    assert.deepEqual([(await stream.json()).t], [1]);
    await proxy.stop();
  });

  after(() => stream.close());

  it('/readyz answers 503 naming the session store; /healthz still 200', async () => {
    const ready = await readiness();
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.body.status, 'not_ready');
    assert.match(String(ready.body.reason), /the session store does not answer: the session store \(Redis at 127\.0\.0\.1:\d+\) could not answer PING/);
    assert.equal((await app.inject('/healthz')).statusCode, 200);
  });

  it('every session route answers 503 STORE_UNAVAILABLE with Retry-After', async () => {
    for (const request of sessionRequests(sessionId)) {
      const response = await app.inject(request);
      const what = `${request.method} ${request.url}`;
      assertError(response, 503, 'STORE_UNAVAILABLE', /^the session store \(Redis at 127\.0\.0\.1:\d+\) could not /);
      assertRetryAfter(response.headers['retry-after'], what);
    }
  });

  it('stateless predict keeps working; /metrics answers, without an rnn_sessions_active it cannot know', async () => {
    const predicted = await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: [x, x] } });
    assert.equal(predicted.statusCode, 200, predicted.body);
    assert.equal((predicted.json() as { outputs: number[][] }).outputs.length, 2);
    const metrics = await app.inject('/metrics');
    assert.equal(metrics.statusCode, 200, metrics.body);
    assert.ok(metricValue(metrics.body, 'rnn_steps_total', '{model="gru",transport="predict"}') >= 2);
    assert.equal(metricSamples(metrics.body, 'rnn_sessions_active').size, 0, 'no stale session count');
  });

  it('stream upgrades are refused with 503 STORE_UNAVAILABLE and Retry-After, before any socket exists', async () => {
    for (const path of [`/v1/models/gru/stream`, `/v1/sessions/${sessionId}/stream`]) {
      const refused = await refusedUpgrade(`${base}${path}`);
      assert.equal(refused.status, 503, path);
      assert.equal(refused.body.code, 'STORE_UNAVAILABLE', path);
      assertRetryAfter(refused.retryAfter, path);
    }
    assert.equal(app.streams.size, 1, 'only the stream opened before the outage');
  });

  it('an open stream answers each message with a STORE_UNAVAILABLE error frame and stays open', async () => {
    stream.sendJson({ x, id: 'step' });
    stream.sendJson({ inputs: [x, x], id: 'steps' });
    stream.sendJson({ type: 'state', id: 'state' });
    stream.sendJson({ type: 'reset', id: 'reset' });
    for (const id of ['step', 'steps', 'state', 'reset']) {
      const reply = await stream.json();
      assert.equal(reply.type, 'error', `${id}: ${JSON.stringify(reply)}`);
      assert.equal(reply.code, 'STORE_UNAVAILABLE', id);
      assert.equal(reply.id, id);
      assert.match(String(reply.message), /^the session store \(Redis at 127\.0\.0\.1:\d+\) could not /);
    }
    assert.equal(stream.socket.readyState, WebSocket.OPEN);
  });

  it('when Redis is back everything recovers by itself: readiness, the session (intact), the open stream', async () => {
    await proxy.start(); // same port
    await eventually(async () => (await readiness()).statusCode === 200, '/readyz answers 200 again');
    const session = await app.inject(`/v1/sessions/${sessionId}`);
    assert.equal(session.statusCode, 200, session.body);
    assert.equal((session.json() as { t: number }).t, 1, 'the step before the outage is kept; none during it was applied');
    const metrics = (await app.inject('/metrics')).body;
    assert.ok(metricValue(metrics, 'rnn_sessions_active', '{model="gru"}') >= 1, 'the session count is back');
    stream.sendJson({ x, id: 'after', expected_t: 1 });
    const reply = await stream.json();
    assert.deepEqual([reply.type, reply.t, reply.id], ['output', 2, 'after']);
    const stepped = await app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/steps`, payload: { inputs: [x], expected_t: 2 } });
    assert.equal(stepped.statusCode, 200, stepped.body);
    assert.equal((stepped.json() as { t: number }).t, 3);
  });
});

describe('Redis stops answering on a live connection', () => {
  it('requests answer 503 STORE_UNAVAILABLE instead of hanging, and the service reconnects by itself', async () => {
    await eventually(async () => (await readiness()).statusCode === 200, 'ready to begin');
    const sessionId = await createSession();
    proxy.stall(); // the connection stays open, Redis never sees what is sent
    const step = await app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/steps`, payload: { inputs: [x] } });
    assertError(step, 503, 'STORE_UNAVAILABLE', /could not (read|update) a session/);
    assertRetryAfter(step.headers['retry-after'], 'step');
    // The silent connection is dropped (socket timeout) and a new one opened through the proxy.
    await eventually(async () => (await readiness()).statusCode === 200, '/readyz answers 200 again');
    const retried = await app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/steps`, payload: { inputs: [x], expected_t: 0 } });
    assert.equal(retried.statusCode, 200, retried.body);
    assert.equal((retried.json() as { t: number }).t, 1);
  });
});

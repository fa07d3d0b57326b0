// SIGTERM to a real server process (src/server.ts, SESSION_STORE=redis) while an HTTP request and
// WebSocket streams are in flight: readiness turns 503 first and new requests are refused with
// SHUTTING_DOWN, streams close with 1001, the request in flight finishes, the process exits by
// itself with code 0 (close-with-grace exits 1 when its grace period runs out), and every
// session it served is still in Redis for the other replicas, except the one a stream owned.
//
// Nothing here waits on a clock: the test knows a request is in flight from the server's own
// "incoming request" line, and holds the shutdown at its first stage by not reading one
// stream's close frame (the server waits for the close handshake, up to its 5 s close timeout,
// before it stops listening). The request in flight uses a pooled keep-alive connection, as a
// load balancer would: once answered, it must not keep the process from exiting.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, it } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import { expectJson, requestJson } from '../helpers/http-json.js';
import { RedisPrefixes, requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { ServerProcess } from '../helpers/server-process.js';
import { StreamClient } from '../helpers/stream-client.js';

await requireRedis();
const prefixes = new RedisPrefixes();
const env = { SESSION_STORE: 'redis', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefixes.create('shutdown') };
const server = await ServerProcess.start({ ...env, LOG_REQUESTS: 'true' });
after(async () => {
  await server.stop();
  await prefixes.deleteAll();
});

const x = [0.5, -0.25, 1];

/** A POST whose body is sent in two parts: the request is in flight until finish() sends the rest. */
function startRequest(port: number, path: string, body: unknown) {
  const text = JSON.stringify(body);
  const request = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path,
    // A pooled keep-alive connection, as a load balancer keeps: it must not hold the shutdown.
    agent: new http.Agent({ keepAlive: true, timeout: 60_000 }),
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
  });
  const reply = new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    request.once('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    request.once('error', reject);
  });
  const localPort = new Promise<number>((resolve) => {
    request.once('socket', (socket) => socket.once('connect', () => resolve((socket.address() as AddressInfo).port)));
  });
  request.write(text.slice(0, 5)); // sends the headers and a first part of the body
  return { reply, localPort, finish: () => request.end(text.slice(5)) };
}

it('SIGTERM: readiness 503 first, streams close with 1001, the request in flight finishes, exit 0, no session lost', async () => {
  const attachedId = (await expectJson(201, server.baseUrl, 'POST', '/v1/sessions', { model: 'gru' })).session_id as string;
  const stepsId = (await expectJson(201, server.baseUrl, 'POST', '/v1/sessions', { model: 'gru' })).session_id as string;

  const attached = await StreamClient.open(`${server.wsUrl}/v1/sessions/${attachedId}/stream`);
  assert.equal((await attached.json()).type, 'ready');
  attached.sendJson({ x });
  assert.equal((await attached.json()).t, 1);
  const owned = await StreamClient.open(`${server.wsUrl}/v1/models/gru/stream`);
  const ownedId = (await owned.json()).session_id as string;

  const inFlight = startRequest(server.port, `/v1/sessions/${stepsId}/steps`, { inputs: [x, x, x] });
  const port = await inFlight.localPort;
  await server.waitForLog(
    (line) => line.msg === 'incoming request' && (line.req as { remotePort?: number } | undefined)?.remotePort === port,
    'the request in flight',
  );

  attached.socket.pause(); // its close frame stays unread: the server waits at its first shutdown stage
  server.signal('SIGTERM');
  await server.waitForLog((line) => line.msg === 'closing' && line.signal === 'SIGTERM', 'the start of the shutdown');

  const readiness = await requestJson(server.baseUrl, 'GET', '/readyz');
  assert.equal(readiness.status, 503);
  assert.deepEqual([readiness.body.status, readiness.body.reason], ['not_ready', 'the server is shutting down']);
  const refused = await requestJson(server.baseUrl, 'POST', '/v1/sessions', { model: 'gru' });
  assert.deepEqual([refused.status, refused.body.code], [503, 'SHUTTING_DOWN']);
  assert.equal((await owned.closed).code, 1001);

  attached.socket.resume();
  assert.equal((await attached.closed).code, 1001);

  inFlight.finish();
  const reply = await inFlight.reply;
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.equal(reply.body.t, 3);

  assert.deepEqual(await server.exited, { code: 0, signal: null }, 'closed within the grace period');

  // Another replica on the same prefix finds every session as the departed one left it.
  const replica = await buildTestApp(env);
  try {
    const t = async (id: string) => {
      const response = await replica.inject(`/v1/sessions/${id}`);
      return response.statusCode === 200 ? (response.json() as { t: number }).t : response.statusCode;
    };
    assert.equal(await t(attachedId), 1);
    assert.equal(await t(stepsId), 3);
    assert.equal(await t(ownedId), 404, "a stream's own session is deleted when its stream closes");
  } finally {
    await replica.close();
  }
});

// An open stream keeps its session alive while its client is silent but answers pings: the ping
// tick renews the session when less than half its TTL is left, so it outlives the TTL it would
// have had; a session nobody streams to expires as before, and so does a stream's session once
// the stream has closed. Time is a manual clock (the TTL) plus a short real ping interval (the
// ticks); every wait is for an effect, never for a duration.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, ManualClock } from '../helpers/app.js';
import { StreamClient, eventually, listenForStreams } from '../helpers/stream-client.js';

const TTL_MS = 60_000;
const clock = new ManualClock();
const app = await buildTestApp({ SESSION_TTL_SECONDS: String(TTL_MS / 1000), STREAM_PING_INTERVAL_MS: '250' }, { clock: clock.now });
after(() => app.close());
const base = await listenForStreams(app);

async function expiresAt(target: FastifyInstance, id: string): Promise<number | undefined> {
  const response = await target.inject(`/v1/sessions/${id}`);
  if (response.statusCode === 404) return undefined;
  assert.equal(response.statusCode, 200, response.body);
  return Date.parse((response.json() as { expires_at: string }).expires_at);
}

async function createSession(target: FastifyInstance): Promise<string> {
  const response = await target.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
  assert.equal(response.statusCode, 201, response.body);
  return String((response.json() as { session_id: string }).session_id);
}

describe('an idle stream and its session', () => {
  it('an idle stream keeps its session past its TTL, renewed when half of it is left; an unstreamed one expires', async () => {
    const unstreamed = await createSession(app);
    const client = await StreamClient.open(`${base}/v1/models/gru/stream`);
    const id = String((await client.json()).session_id);
    const firstExpiry = (await expiresAt(app, id))!;

    clock.advance(TTL_MS * 0.6);
    await eventually(async () => (await expiresAt(app, id))! > firstExpiry, 'the session is renewed');
    assert.equal(await expiresAt(app, id), clock.now() + TTL_MS, 'a full TTL from the renewal');

    clock.advance(TTL_MS * 0.6);
    assert.equal(await expiresAt(app, unstreamed), undefined, 'a session nobody streams to has expired');
    // Past the stream session's first expiry: it is still there, and the stream still works.
    assert.ok(clock.now() > firstExpiry);
    client.sendJson({ x: [1, 2, 3], id: 'late' });
    const reply = await client.json();
    assert.deepEqual([reply.type, reply.t, reply.id], ['output', 1, 'late']);
    await client.close();
  });

  it('a session attached to a stream expires as usual once the stream has closed', async () => {
    const id = await createSession(app);
    const client = await StreamClient.open(`${base}/v1/sessions/${id}/stream`);
    await client.json();
    const firstExpiry = (await expiresAt(app, id))!;
    clock.advance(TTL_MS * 0.6);
    await eventually(async () => (await expiresAt(app, id))! > firstExpiry, 'the session is renewed while the stream is open');
    await client.close();
    await eventually(() => app.streams.size === 0, 'the stream is released');

    clock.advance(TTL_MS + 1);
    assert.equal(await expiresAt(app, id), undefined);
  });

  it('an idle stream whose session was deleted is closed with 4404 when the renewal finds it gone', async () => {
    const id = await createSession(app);
    const client = await StreamClient.open(`${base}/v1/sessions/${id}/stream`);
    await client.json();
    assert.equal((await app.inject({ method: 'DELETE', url: `/v1/sessions/${id}` })).statusCode, 204);
    clock.advance(TTL_MS * 0.6);
    assert.deepEqual(await client.closed, { code: 4404, reason: 'the session was deleted or has expired' });
  });

  it('with pings off (STREAM_PING_INTERVAL_MS=0) nothing renews the session: it expires under an idle stream', async (t) => {
    const quietClock = new ManualClock();
    const quiet = await buildTestApp({ SESSION_TTL_SECONDS: '60', STREAM_PING_INTERVAL_MS: '0' }, { clock: quietClock.now });
    t.after(() => quiet.close());
    const client = await StreamClient.open(`${await listenForStreams(quiet)}/v1/models/gru/stream`);
    await client.json();
    quietClock.advance(TTL_MS + 1);
    client.sendJson({ x: [1, 2, 3] });
    assert.equal((await client.json()).code, 'SESSION_NOT_FOUND');
    assert.equal((await client.closed).code, 4404);
  });
});

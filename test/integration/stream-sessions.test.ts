// Streams and sessions: refusal before the upgrade (unknown model or session, missing key),
// browser-style ?api_key=, the owned session's lifetime, continuing a session across REST and
// WebSocket both ways, and 50 concurrent streams whose steps are batched without changing any
// result.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertError, buildTestApp, FIXTURES_DIR } from '../helpers/app.js';
import { assertClose, readCaseFile } from '../helpers/fixtures.js';
import { StreamClient, eventually, listenForStreams, refusedUpgrade } from '../helpers/stream-client.js';

const app = await buildTestApp();
after(() => app.close());
const base = await listenForStreams(app);

const lstm = readCaseFile(join(FIXTURES_DIR, 'lstm'));

/** A metric's samples: the text after the name up to the value, e.g. '{le="1",model="lstm"}' -> value. */
async function samples(name: string): Promise<Map<string, number>> {
  const text = (await app.inject('/metrics')).body;
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest !== '' && !rest.startsWith('{') && !rest.startsWith(' ')) continue;
    const space = rest.lastIndexOf(' ');
    found.set(rest.slice(0, space), Number(rest.slice(space + 1)));
  }
  return found;
}

async function sessionExists(id: string): Promise<boolean> {
  return (await app.inject(`/v1/sessions/${id}`)).statusCode === 200;
}

describe('opening a stream', () => {
  it('refuses an unknown session or model with 404 in the error shape, before any socket exists', async () => {
    const sessionsBefore = (await samples('rnn_sessions_created_total')).get('{model="lstm"}') ?? 0;
    const unknownSession = await refusedUpgrade(`${base}/v1/sessions/no-such-session/stream`);
    assert.equal(unknownSession.status, 404);
    assert.deepEqual(unknownSession.body, {
      statusCode: 404,
      code: 'SESSION_NOT_FOUND',
      error: 'Not Found',
      message: "session 'no-such-session' does not exist or has expired",
    });
    const unknownModel = await refusedUpgrade(`${base}/v1/models/no-such-model/stream`);
    assert.equal(unknownModel.status, 404);
    assert.deepEqual(unknownModel.body, {
      statusCode: 404,
      code: 'MODEL_NOT_FOUND',
      error: 'Not Found',
      message: "model 'no-such-model' is not loaded",
    });
    assert.equal(app.streams.size, 0);
    assert.equal((await samples('rnn_websocket_connections')).get(''), 0);
    assert.equal((await samples('rnn_sessions_created_total')).get('{model="lstm"}') ?? 0, sessionsBefore);
  });

  it('answers a plain GET (no upgrade) with 400 naming the protocol', async () => {
    const response = await app.inject('/v1/models/lstm/stream');
    assertError(response, 400, 'INVALID_INPUT', 'this is a WebSocket endpoint');
  });

  it('with API_KEYS: refuses an upgrade without a key (401), accepts ?api_key= and the Authorization header', async (t) => {
    const secured = await buildTestApp({ API_KEYS: 'browser-key-0123456789,other-key-0123456789' });
    t.after(() => secured.close());
    const securedBase = await listenForStreams(secured);
    const refused = await refusedUpgrade(`${securedBase}/v1/models/lstm/stream`);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'UNAUTHORIZED');
    const wrongKey = await refusedUpgrade(`${securedBase}/v1/models/lstm/stream?api_key=wrong`);
    assert.equal(wrongKey.status, 401);

    const browser = await StreamClient.open(`${securedBase}/v1/models/lstm/stream?api_key=browser-key-0123456789`);
    assert.equal((await browser.json()).type, 'ready');
    await browser.close();
    const withHeader = await StreamClient.open(`${securedBase}/v1/models/lstm/stream`, {
      headers: { authorization: 'Bearer other-key-0123456789' },
    });
    assert.equal((await withHeader.json()).type, 'ready');
    await withHeader.close();
  });
});

describe('session lifetime', () => {
  it('a stream opened on a model owns its session: deleted when the stream closes', async () => {
    const client = await StreamClient.open(`${base}/v1/models/lstm/stream`);
    const ready = await client.json();
    const id = String(ready.session_id);
    assert.ok(await sessionExists(id));
    assert.equal((await samples('rnn_websocket_connections')).get(''), 1);
    client.sendJson({ x: [1, 2, 3] });
    await client.json();
    assert.deepEqual(await client.close(), { code: 1000, reason: '' });
    await eventually(() => app.streams.size === 0, 'the stream is released');
    assert.equal(await sessionExists(id), false, 'the owned session was deleted');
    assert.equal((await samples('rnn_websocket_connections')).get(''), 0);
  });

  it('a stream attached to a session leaves it in place when it closes', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
    const id = String(created.json().session_id);
    const client = await StreamClient.open(`${base}/v1/sessions/${id}/stream`);
    const ready = await client.json();
    assert.deepEqual(ready, { type: 'ready', session_id: id, model: 'gru', t: 0, input_size: 3, output_size: 2 });
    client.sendJson({ x: [1, 2, 3] });
    await client.json();
    await client.close();
    await eventually(() => app.streams.size === 0, 'the stream is released');
    const session = await app.inject(`/v1/sessions/${id}`);
    assert.equal(session.statusCode, 200);
    assert.equal(session.json().t, 1);
  });

  it('a session deleted under an open stream: the next frame gets SESSION_NOT_FOUND and the stream closes with 4404', async () => {
    const client = await StreamClient.open(`${base}/v1/models/lstm/stream`);
    const ready = await client.json();
    assert.equal((await app.inject({ method: 'DELETE', url: `/v1/sessions/${String(ready.session_id)}` })).statusCode, 204);
    client.sendJson({ x: [1, 2, 3], id: 1 });
    const reply = await client.json();
    assert.equal(reply.code, 'SESSION_NOT_FOUND');
    assert.equal(reply.id, 1);
    assert.equal((await client.closed).code, 4404);
  });
});

describe('continuing a session across transports', () => {
  const c = lstm.cases[0]!;
  const inputs = c.inputs!;
  const half = Math.floor(inputs.length / 2);

  it('REST steps, then a stream attached to the same session continues from its t', async () => {
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'lstm' } });
    const id = String(created.json().session_id);
    const rest = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: inputs.slice(0, half) } });
    assert.equal(rest.statusCode, 200, rest.body);
    const outputs = [...(rest.json().outputs as number[][])];

    const client = await StreamClient.open(`${base}/v1/sessions/${id}/stream`);
    assert.equal((await client.json()).t, half);
    for (const x of inputs.slice(half)) client.sendJson({ x });
    for (let t = half + 1; t <= inputs.length; t++) {
      const reply = await client.json();
      assert.equal(reply.t, t);
      outputs.push(reply.y as number[]);
    }
    assertClose(outputs.flat(), c.outputs.flat(), lstm.tolerance, 'REST then stream outputs');
    await client.close();
  });

  it('stream steps, then REST steps on the stream session, then the stream sees the REST steps', async () => {
    const client = await StreamClient.open(`${base}/v1/models/lstm/stream`);
    const id = String((await client.json()).session_id);
    client.sendFloats(inputs.slice(0, half).flat());
    const outputs: number[] = Array.from(await client.floats());

    const rest = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: inputs.slice(half), expected_t: half } });
    assert.equal(rest.statusCode, 200, rest.body);
    assert.equal(rest.json().t, inputs.length);
    outputs.push(...(rest.json().outputs as number[][]).flat());
    assertClose(outputs, c.outputs.flat(), lstm.tolerance, 'stream then REST outputs');

    client.sendJson({ type: 'state' });
    const state = await client.json();
    assert.equal(state.t, inputs.length);
    assertClose((state.state as { h: number[][] }).h.flat(), c.final_state.h.flat(), lstm.tolerance, 'final h seen by the stream');
    await client.close();
  });
});

describe('many streams at once', () => {
  it('50 streams each get their own correct outputs; their steps were batched', async () => {
    await eventually(() => app.streams.size === 0, 'the streams of earlier tests are released');
    const batchesBefore = await samples('rnn_batch_size_bucket');
    const clients = await Promise.all(Array.from({ length: 50 }, () => StreamClient.open(`${base}/v1/models/lstm/stream`)));
    await Promise.all(clients.map((client) => client.json()));
    assert.equal((await samples('rnn_websocket_connections')).get(''), 50);

    // Closed loop, all at once: each stream sends its next element when it gets a reply.
    await Promise.all(
      clients.map(async (client, i) => {
        const c = lstm.cases[i % lstm.cases.length]!;
        if (c.state !== undefined) {
          client.sendJson({ type: 'reset', state: c.state });
          await client.json();
        }
        const outputs: number[][] = [];
        for (const x of c.inputs!) {
          client.sendJson({ x, id: i });
          const reply = await client.json();
          assert.equal(reply.id, i);
          outputs.push(reply.y as number[]);
        }
        assertClose(outputs.flat(), c.outputs.flat(), lstm.tolerance, `stream ${i} (${c.name})`);
      }),
    );
    await Promise.all(clients.map((client) => client.close()));

    const batches = await samples('rnn_batch_size_bucket');
    const delta = (le: string) =>
      (batches.get(`{le="${le}",model="lstm"}`) ?? 0) - (batchesBefore.get(`{le="${le}",model="lstm"}`) ?? 0);
    const runs = delta('+Inf');
    const single = delta('1');
    assert.ok(runs > 0, 'rnn_batch_size observed the engine runs');
    assert.ok(runs - single > 0, `some engine runs advanced several sessions together (${runs - single} of ${runs})`);
    const queued = await samples('rnn_batch_queue_seconds_count');
    assert.ok((queued.get('{model="lstm"}') ?? 0) > 0, 'rnn_batch_queue_seconds observed the queueing');
  });
});

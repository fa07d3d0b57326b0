// The stream protocol against the golden fixtures: every case streamed one element per frame
// and in chunks, as JSON and as binary, gives the whole-sequence outputs and final state within
// the case tolerance; plus the message-level behaviour (ready, ids, expected_t, reset, state,
// error frames that change nothing, pipelining).
import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { float32MatrixToJson } from '../../src/codec/float32-json.js';
import { buildTestApp, FIXTURES_DIR } from '../helpers/app.js';
import { assertClose, hasCaseFile, listPackageDirs, readCaseFile, type PackageCase, type Tolerance } from '../helpers/fixtures.js';
import { StreamClient, listenForStreams } from '../helpers/stream-client.js';

const app = await buildTestApp();
after(() => app.close());
const base = await listenForStreams(app);

const open = async (model: string): Promise<{ client: StreamClient; ready: Record<string, unknown> }> => {
  const client = await StreamClient.open(`${base}/v1/models/${model}/stream`);
  const ready = await client.json();
  assert.equal(ready.type, 'ready', JSON.stringify(ready));
  return { client, ready };
};

type Mode = 'json elements' | 'json chunks' | 'binary elements' | 'binary chunks' | 'text chunks';
const CHUNK = 3;

function chunksOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Streams one case in one mode (all frames sent before reading any reply) and checks it. */
async function streamCase(model: string, vocab: readonly string[] | undefined, c: PackageCase, tolerance: Tolerance, mode: Mode) {
  const { client } = await open(model);
  const what = `${model} ${c.name} (${mode})`;
  if (c.state !== undefined) {
    client.sendJson({ type: 'reset', state: c.state });
    assert.deepEqual(await client.json(), { type: 'reset', t: 0 });
  }
  const elements: readonly unknown[] = c.tokens ?? c.inputs ?? [];
  const outputs: number[][] = [];
  let replies = 0;
  if (mode === 'json elements') {
    for (const x of elements) client.sendJson({ x });
    replies = elements.length;
  } else if (mode === 'json chunks') {
    for (const chunk of chunksOf(elements, CHUNK)) client.sendJson(c.tokens !== undefined ? { tokens: chunk } : { inputs: chunk });
    replies = Math.ceil(elements.length / CHUNK);
  } else if (mode === 'text chunks') {
    for (const chunk of chunksOf(c.tokens ?? [], CHUNK)) client.sendJson({ text: chunk.map((id) => vocab![id]).join('') });
    replies = Math.ceil(elements.length / CHUNK);
  } else {
    const size = mode === 'binary elements' ? 1 : CHUNK;
    for (const chunk of chunksOf(c.inputs ?? [], size)) client.sendFloats(chunk.flat());
    replies = Math.ceil(elements.length / size);
  }
  const width = c.outputs[0]!.length;
  let t = 0;
  for (let r = 0; r < replies; r++) {
    if (mode.startsWith('binary')) {
      const values = await client.floats();
      assert.equal(values.length % width, 0, `${what}: binary reply of ${values.length} floats`);
      for (let k = 0; k < values.length; k += width) outputs.push(Array.from(values.subarray(k, k + width)));
      continue;
    }
    const reply = await client.json();
    if (mode === 'json elements') {
      assert.equal(reply.type, 'output', `${what}: ${JSON.stringify(reply)}`);
      outputs.push(reply.y as number[]);
    } else {
      assert.equal(reply.type, 'outputs', `${what}: ${JSON.stringify(reply)}`);
      outputs.push(...(reply.outputs as number[][]));
    }
    t = outputs.length;
    assert.equal(reply.t, t, `${what}: t after reply ${r}`);
  }
  assertClose(outputs.flat(), c.outputs.flat(), tolerance, `${what} outputs`);
  client.sendJson({ type: 'state' });
  const state = await client.json();
  assert.equal(state.type, 'state');
  assert.equal(state.t, elements.length, `${what}: t of the final state`);
  const got = state.state as { h: number[][]; c?: number[][] };
  assertClose(got.h.flat(), c.final_state.h.flat(), tolerance, `${what} final h`);
  if (c.final_state.c !== undefined) assertClose(got.c!.flat(), c.final_state.c.flat(), tolerance, `${what} final c`);
  await client.close();
}

describe('every fixture case, streamed, equals the whole-sequence result', () => {
  for (const dir of listPackageDirs(FIXTURES_DIR).filter(hasCaseFile)) {
    const model = basename(dir);
    const { cases, tolerance } = readCaseFile(dir);
    const tokenModel = cases[0]!.tokens !== undefined;
    const modes: Mode[] = tokenModel
      ? ['json elements', 'json chunks', 'text chunks']
      : ['json elements', 'json chunks', 'binary elements', 'binary chunks'];
    it(`${model}: ${modes.join(', ')}`, async () => {
      const vocab = tokenModel ? ((await app.inject(`/v1/models/${model}`)).json() as { vocab: string[] }).vocab : undefined;
      for (const mode of modes) {
        for (const c of cases) await streamCase(model, vocab, c, tolerance, mode);
      }
    });
  }
});

describe('stream messages', () => {
  it('JSON replies carry the same bytes as REST steps, and binary replies the float32 bits those bytes read back as', async () => {
    const c = readCaseFile(join(FIXTURES_DIR, 'lstm')).cases[0]!;
    const inputs = c.inputs!;
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'lstm' } });
    const id = (created.json() as { session_id: string }).session_id;
    const restRows: string[] = [];
    for (const x of inputs) {
      const body = (await app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: [x] } })).body;
      restRows.push(/"outputs":\[(\[[^\]]*\])\]/.exec(body)![1]!);
    }
    const raw = async (frames: readonly (string | Float32Array)[]): Promise<(string | Buffer)[]> => {
      const socket = new WebSocket(`${base}/v1/models/lstm/stream`);
      const replies: (string | Buffer)[] = [];
      await new Promise<void>((resolve, reject) => {
        socket.on('error', reject);
        socket.on('message', (data: Buffer, isBinary) => {
          if (replies.length === 0 && !isBinary && data.toString().startsWith('{"type":"ready"')) {
            replies.push('ready');
            for (const frame of frames) socket.send(frame);
            return;
          }
          replies.push(isBinary ? data : data.toString('utf8'));
          if (replies.length === frames.length + 1) resolve();
        });
      });
      socket.close();
      return replies.slice(1);
    };
    const jsonReplies = await raw(inputs.map((x) => JSON.stringify({ x })));
    const binaryReplies = await raw(inputs.map((x) => Float32Array.from(x)));
    for (const [t, restRow] of restRows.entries()) {
      assert.equal(jsonReplies[t], `{"type":"output","t":${t + 1},"y":${restRow}}`, `t=${t + 1}: stream JSON and REST`);
      const bytes = binaryReplies[t] as Buffer;
      const bits = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      assert.equal(float32MatrixToJson(bits, 0, 0, bits.length), restRow, `t=${t + 1}: binary bits print as REST's text`);
      assert.deepEqual((JSON.parse(restRow) as number[]).map(Math.fround), Array.from(bits), `t=${t + 1}: REST's text reads back as the bits`);
    }
  });

  it('ready names the session, the model, t and the widths, and the session exists while the stream is open', async () => {
    const { client, ready } = await open('lstm_2layer');
    assert.deepEqual(Object.keys(ready).sort(), ['input_size', 'model', 'output_size', 'session_id', 't', 'type']);
    assert.equal(ready.model, 'lstm_2layer');
    assert.equal(ready.t, 0);
    assert.equal(ready.input_size, 5);
    assert.equal(ready.output_size, 4);
    const session = await app.inject(`/v1/sessions/${String(ready.session_id)}`);
    assert.equal(session.statusCode, 200);
    assert.equal(session.json().model, 'lstm_2layer');
    await client.close();
  });

  it('echoes ids, string or number, on outputs, states, resets and errors', async () => {
    const { client } = await open('lstm');
    client.sendJson({ x: [0.1, 0.2, 0.3], id: 'a "quoted" id' });
    client.sendJson({ inputs: [[0.1, 0.2, 0.3]], id: 42 });
    client.sendJson({ type: 'state', id: 'st' });
    client.sendJson({ type: 'reset', id: 'rs' });
    client.sendJson({ x: [0.1], id: 'bad' });
    client.sendJson({ x: [0.1, 0.2, 0.3], id: { nested: true } });
    assert.equal((await client.json()).id, 'a "quoted" id');
    assert.equal((await client.json()).id, 42);
    assert.equal((await client.json()).id, 'st');
    assert.deepEqual(await client.json(), { type: 'reset', t: 0, id: 'rs' });
    assert.deepEqual(await client.json(), { type: 'error', code: 'INVALID_INPUT', message: "x has 1 values, model 'lstm' expects 3", id: 'bad' });
    const refused = await client.json();
    assert.equal(refused.code, 'INVALID_INPUT');
    assert.match(String(refused.message), /id must be a string or a finite number/);
    await client.close();
  });

  it('answers pipelined frames strictly in the order they were sent', async () => {
    const { client } = await open('gru');
    const sent = Array.from({ length: 40 }, (_, i) => i);
    for (const i of sent) {
      if (i % 7 === 3) client.sendJson({ x: [i], id: i }); // invalid: 1 value instead of 3
      else if (i % 10 === 5) client.sendJson({ type: 'state', id: i });
      else client.sendJson({ x: [i / 40, -i / 40, 0.5], id: i });
    }
    let t = 0;
    for (const i of sent) {
      const reply = await client.json();
      assert.equal(reply.id, i, `reply ${i}: ${JSON.stringify(reply)}`);
      if (i % 7 === 3) {
        assert.equal(reply.type, 'error');
      } else if (i % 10 === 5) {
        assert.equal(reply.type, 'state');
        assert.equal(reply.t, t);
      } else {
        t++;
        assert.equal(reply.type, 'output');
        assert.equal(reply.t, t);
      }
    }
    await client.close();
  });

  it('a bad element gets an error frame and leaves the connection and the session as they were', async () => {
    const { client } = await open('lstm');
    client.sendJson({ inputs: [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]] });
    await client.json();
    client.sendJson({ type: 'state' });
    const before = await client.json();
    const bad: unknown[] = [
      { x: [0.1, 0.2] },
      { x: [0.1, null, 0.3] },
      { x: [0.1, 1e39, 0.3] },
      { x: 'abc' },
      { inputs: [[0.1, 0.2, 0.3], [0.1, 0.2]] },
      { inputs: [] },
      { tokens: [1, 2] },
      { x: [0.1, 0.2, 0.3], inputs: [[0.1, 0.2, 0.3]] },
      {},
      [1, 2, 3],
      { type: 'dance' },
      { type: 'reset', state: { h: [[1, 2]] } },
      { x: [0.1, 0.2, 0.3], expected_t: -1 },
    ];
    const messages: string[] = [];
    for (const message of bad) {
      client.sendJson(message);
      const reply = await client.json();
      assert.equal(reply.type, 'error', JSON.stringify(message));
      assert.equal(reply.code, 'INVALID_INPUT', JSON.stringify(reply));
      messages.push(String(reply.message));
    }
    assert.deepEqual(messages.slice(0, 6), [
      "x has 2 values, model 'lstm' expects 3",
      'x[1] is not a finite number',
      'x[1] is outside the float32 range',
      'x must be an array of 3 numbers',
      "inputs[1] has 2 values, model 'lstm' expects 3",
      'inputs is empty',
    ]);
    // A good message in between: 16 invalid ones in a row would close the stream (stream-faults).
    client.sendJson({ type: 'state' });
    assert.deepEqual(await client.json(), before, 'the session did not change');
    client.socket.send('{"x": [0.1, 0.2, 0.3]');
    assert.deepEqual(await client.json(), { type: 'error', code: 'INVALID_INPUT', message: 'the message is not valid JSON' });
    client.sendFloats([0.1, 0.2]);
    assert.match(String((await client.json()).message), /binary frame of 8 bytes is not a positive whole number of rows of 3 float32 values/);
    client.socket.send(Buffer.alloc(0));
    assert.match(String((await client.json()).message), /binary frame of 0 bytes/);
    client.sendFloats([0.1, Number.NaN, 0.3]);
    assert.equal((await client.json()).code, 'INVALID_INPUT');

    client.sendJson({ type: 'state' });
    assert.deepEqual(await client.json(), before, 'the session did not change');
    client.sendJson({ x: [0.7, 0.8, 0.9] });
    const next = await client.json();
    assert.equal(next.type, 'output');
    assert.equal(next.t, 3);
    await client.close();
  });

  it('expected_t: a mismatch is refused with SEQUENCE_CONFLICT and changes nothing; a match steps', async () => {
    const { client } = await open('rnn_tanh');
    client.sendJson({ x: [1, 2, 3], expected_t: 0 });
    assert.equal((await client.json()).t, 1);
    client.sendJson({ x: [1, 2, 3], expected_t: 0, id: 'retry' });
    const conflict = await client.json();
    assert.equal(conflict.code, 'SEQUENCE_CONFLICT');
    assert.equal(conflict.id, 'retry');
    assert.match(String(conflict.message), /expected_t is 0 but session '.*' is at t = 1/);
    client.sendJson({ inputs: [[1, 2, 3]], expected_t: 1 });
    assert.equal((await client.json()).t, 2);
    await client.close();
  });

  it('reset goes back to t = 0, from zeros or from a given state', async () => {
    const { client } = await open('gru');
    client.sendJson({ x: [0.3, 0.2, 0.1] });
    const first = await client.json();
    client.sendJson({ x: [0.3, 0.2, 0.1] });
    await client.json();
    client.sendJson({ type: 'reset' });
    assert.deepEqual(await client.json(), { type: 'reset', t: 0 });
    client.sendJson({ x: [0.3, 0.2, 0.1] });
    assert.deepEqual(await client.json(), first, 'from zeros again');
    const h = [[0.5, -0.5, 0.25, 0, 0, 0, 0, 0.125]];
    client.sendJson({ type: 'reset', state: { h } });
    await client.json();
    client.sendJson({ type: 'state' });
    assert.deepEqual(await client.json(), { type: 'state', t: 0, state: { h } });
    await client.close();
  });

  it('token models take x as one token (id or string), tokens and text; binary frames are refused', async () => {
    const { client } = await open('token_gru');
    client.sendJson({ x: 'h' });
    const byString = await client.json();
    assert.equal(byString.type, 'output');
    assert.equal((byString.y as number[]).length, 12);
    client.sendJson({ type: 'reset' });
    await client.json();
    client.sendJson({ x: 0 });
    assert.deepEqual(await client.json(), byString);
    client.sendJson({ text: 'ello' });
    const text = await client.json();
    client.sendJson({ type: 'reset' });
    await client.json();
    client.sendJson({ tokens: ['h', 1, 'l', 2, 3] });
    const tokens = await client.json();
    // The same elements from the same state (by different engine paths: within float rounding).
    assertClose((tokens.outputs as number[][]).slice(1).flat(), (text.outputs as number[][]).flat(), { abs: 1e-6, rel: 1e-5 }, 'text vs tokens');
    client.sendJson({ x: 'Q' });
    assert.match(String((await client.json()).message), /^x "Q" is not in the vocabulary of model 'token_gru'/);
    client.sendJson({ x: [0.1, 0.2] });
    assert.match(String((await client.json()).message), /^x is not a token of model 'token_gru'/);
    client.sendFloats([0, 0, 0, 0, 0]);
    assert.match(String((await client.json()).message), /binary frames carry float32 input vectors/);
    await client.close();
  });

  it('counts stream steps under transport="stream"', async () => {
    const { client } = await open('rnn_nobias');
    client.sendJson({ inputs: [[1, 2, 3, 4], [1, 2, 3, 4]] });
    await client.json();
    await client.close();
    const metrics = (await app.inject('/metrics')).body;
    const line = metrics.split('\n').find((l) => l.startsWith('rnn_steps_total{') && l.includes('model="rnn_nobias"') && l.includes('transport="stream"'));
    assert.ok(line !== undefined, 'rnn_steps_total has a stream series for rnn_nobias');
    assert.ok(Number(line.split(' ').at(-1)) >= 2, line);
  });
});

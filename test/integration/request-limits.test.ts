// Limits on the TOTAL work of one request (issue 9, finding 3): a small body could ask for
// unbounded work (8 sequences of 10,000 tokens: a 107 MB answer). MAX_BATCH_SEQUENCES bounds the
// count of sequences, MAX_REQUEST_ELEMENTS the elements over all of them, a prompt plus
// max_tokens, a history plus horizon; every route and stream message answers 413
// REQUEST_TOO_LARGE naming the limit and the value, and a session stays as it was. The batcher
// bounds the work of one flush, so a batch of long sequences cannot block the event loop either.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { StepBatcher } from '../../src/sessions/step-batcher.js';
import { loadConfig } from '../../src/config.js';
import { createNetwork } from '../../src/engine/index.js';
import type { NetworkSpec } from '../../src/engine/types.js';
import { assertError, buildTestApp } from '../helpers/app.js';
import { bundledModelsOnly } from '../helpers/bundled-models.js';
import { randomWeights } from '../helpers/random-network.js';
import { StreamClient, listenForStreams } from '../helpers/stream-client.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const bundled = bundledModelsOnly();
const LIMIT = 20;
const app = await buildTestApp({
  MODELS_DIR: bundled.dir,
  MAX_REQUEST_ELEMENTS: String(LIMIT),
  MAX_BATCH_SEQUENCES: '3',
  MAX_SEQUENCE_LENGTH: '100',
  MAX_GENERATE_TOKENS: '100',
  MAX_FORECAST_HORIZON: '100',
});
after(async () => {
  await app.close();
  bundled.cleanup();
});
const base = await listenForStreams(app);

const post = (url: string, payload: Json) => app.inject({ method: 'POST', url, payload });
const text = (n: number) => 'In the beginning God created the heaven and the earth.'.repeat(3).slice(0, n);
const rows = (n: number, width: number) => Array.from({ length: n }, () => Array.from({ length: width }, () => 0.5));
const TOO_MANY = new RegExp(`(${LIMIT + 1}|2[1-9]) elements.*more than.*${LIMIT}.*MAX_REQUEST_ELEMENTS`);

async function session(model: string): Promise<string> {
  const response = await post('/v1/sessions', { model });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().session_id as string;
}

async function assertAtStart(id: string): Promise<void> {
  const read = await app.inject(`/v1/sessions/${id}`);
  assert.equal(read.statusCode, 200, read.body);
  assert.equal(read.json().t, 0, 'nothing was applied');
}

describe('limits on the total work of one request', () => {
  it('reads MAX_REQUEST_ELEMENTS and MAX_BATCH_SEQUENCES, with defaults', () => {
    const defaults = loadConfig({});
    assert.equal(defaults.maxRequestElements, 10000);
    assert.equal(defaults.maxBatchSequences, 64);
    const set = loadConfig({ MAX_REQUEST_ELEMENTS: '50', MAX_BATCH_SEQUENCES: '2' });
    assert.deepEqual([set.maxRequestElements, set.maxBatchSequences], [50, 2]);
    assert.throws(() => loadConfig({ MAX_BATCH_SEQUENCES: '0' }), /MAX_BATCH_SEQUENCES=0/);
  });

  it('predict: the count of sequences, the elements over all of them, and one long sequence', async () => {
    const four = { sequences: Array.from({ length: 4 }, () => ({ text: 'a' })) };
    assertError(await post('/v1/models/kjv-char-gru/predict', four), 413, 'REQUEST_TOO_LARGE', /4 sequences.*limit of 3.*MAX_BATCH_SEQUENCES/);
    const spread = { sequences: [{ text: text(8) }, { text: text(8) }, { text: text(5) }] };
    assertError(await post('/v1/models/kjv-char-gru/predict', spread), 413, 'REQUEST_TOO_LARGE', TOO_MANY);
    const fits = await post('/v1/models/kjv-char-gru/predict', { sequences: [{ text: text(8) }, { text: text(8) }, { text: text(4) }] });
    assert.equal(fits.statusCode, 200, fits.body);
    assertError(await post('/v1/models/kjv-char-gru/predict', { text: text(LIMIT + 1) }), 413, 'REQUEST_TOO_LARGE', TOO_MANY);
    assertError(await post('/v1/models/min-char-rnn/predict', { inputs: rows(LIMIT + 1, 63) }), 413, 'REQUEST_TOO_LARGE', TOO_MANY);
    assert.equal((await post('/v1/models/kjv-char-gru/predict', { text: text(LIMIT) })).statusCode, 200);
  });

  it('/v2 infer: the same limits, worded for its input tensor (it has no `sequences` field)', async () => {
    const infer = (B: number, T: number) =>
      post('/v2/models/co2-lstm/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [B, T, 1], data: Array<number>(B * T).fill(0.5) }] });
    const refused = async (B: number, T: number): Promise<string> => {
      const response = await infer(B, T);
      // OIP answers an oversized request 400 with {"error"} alone (src/oip/error-map.ts).
      assert.equal(response.statusCode, 400, response.body);
      const { error } = response.json() as { error: string };
      assert.doesNotMatch(error, /sequences\[|sequences has/, 'no /v1 field names');
      return error;
    };
    assert.match(await refused(4, 1), /^input 'input' \(its first dimension\) has 4 sequences, more than the limit of 3 per request \(MAX_BATCH_SEQUENCES\)/);
    assert.match(await refused(3, 8), /the sequences have 24 elements, more than the limit of 20 .*MAX_REQUEST_ELEMENTS/);
    assert.match(await refused(3, 11), /^sequences 0\.\.1 of input 'input' already have 22 elements, more than the limit of 20 /);
    assert.equal((await infer(3, 6)).statusCode, 200);
  });

  it('a session step over the limit changes nothing', async () => {
    const id = await session('kjv-char-gru');
    assertError(await post(`/v1/sessions/${id}/steps`, { text: text(LIMIT + 1) }), 413, 'REQUEST_TOO_LARGE', TOO_MANY);
    await assertAtStart(id);
  });

  it('generate: the prompt plus max_tokens (model and session)', async () => {
    const tooMuch = { text: text(10), max_tokens: 11 };
    const message = /prompt of 10 elements plus max_tokens 11 is 21 elements.*limit of 20.*MAX_REQUEST_ELEMENTS/;
    assertError(await post('/v1/models/kjv-char-gru/generate', tooMuch), 413, 'REQUEST_TOO_LARGE', message);
    const id = await session('kjv-char-gru');
    assertError(await post(`/v1/sessions/${id}/generate`, tooMuch), 413, 'REQUEST_TOO_LARGE', message);
    await assertAtStart(id);
    assert.equal((await post('/v1/models/kjv-char-gru/generate', { text: text(10), max_tokens: 10 })).statusCode, 200);
  });

  it('forecast: the history plus horizon (model and session)', async () => {
    const tooMuch = { inputs: rows(5, 1), horizon: 16 };
    const message = /history of 5 elements plus horizon 16 is 21 elements.*limit of 20.*MAX_REQUEST_ELEMENTS/;
    assertError(await post('/v1/models/co2-lstm/forecast', tooMuch), 413, 'REQUEST_TOO_LARGE', message);
    const id = await session('co2-lstm');
    assertError(await post(`/v1/sessions/${id}/forecast`, tooMuch), 413, 'REQUEST_TOO_LARGE', message);
    await assertAtStart(id);
    assert.equal((await post('/v1/models/co2-lstm/forecast', { inputs: rows(5, 1), horizon: 15 })).statusCode, 200);
  });

  it('stream messages: a sequence and a generate over the limit get an error frame; the stream goes on', async () => {
    const client = await StreamClient.open(`${base}/v1/models/kjv-char-gru/stream`);
    await client.json();
    client.sendJson({ text: text(LIMIT + 1), id: 1 });
    let reply = await client.json();
    assert.deepEqual([reply.type, reply.code, reply.id], ['error', 'REQUEST_TOO_LARGE', 1], JSON.stringify(reply));
    client.sendJson({ type: 'generate', text: text(10), max_tokens: 11, id: 2 });
    reply = await client.json();
    assert.deepEqual([reply.type, reply.code, reply.id], ['error', 'REQUEST_TOO_LARGE', 2], JSON.stringify(reply));
    client.sendJson({ text: text(3), id: 3 });
    reply = await client.json();
    assert.deepEqual([reply.type, reply.t, reply.id], ['outputs', 3, 3]);
    await client.close();
  });
});

describe('the batcher bounds the work of one flush', () => {
  it('many long jobs advance together by at most maxElementsPerFlush element-steps per flush', async () => {
    const spec: NetworkSpec = {
      architecture: 'gru', inputSize: 2, hiddenSize: 3, numLayers: 1, nonlinearity: 'tanh',
      outputSize: 3, hasHead: false, outputActivation: 'identity',
    };
    const network = createNetwork(spec, randomWeights(spec, 3));
    const flushes: number[] = [];
    const batcher = new StepBatcher(network, {
      maxElementsPerFlush: 64,
      observer: { onBatch: (_sessions, elements) => flushes.push(elements), onQueued() {} },
    });
    const T = 100;
    const results = await Promise.all(
      Array.from({ length: 16 }, () => batcher.run(new Float32Array(network.stateSize), new Float32Array(T * 2).fill(0.25), T)),
    );
    assert.equal(results.length, 16);
    assert.equal(flushes.reduce((a, b) => a + b, 0), 16 * T, 'every element ran');
    assert.ok(Math.max(...flushes) <= 64, `flushes of ${Math.max(...flushes)} element-steps`);
    // Same numbers as one job alone (lockstep and chunking never change a sequence's arithmetic).
    const alone = network.runSequence(new Float32Array(T * 2).fill(0.25), T);
    assert.deepEqual(results[7]!.outputs, alone.outputs);
  });
});

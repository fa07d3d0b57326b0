// Finite inputs whose computation overflows float32 (issue 9, finding 2): every route and stream
// answers 422 NON_FINITE_RESULT naming what overflowed, and a session is left exactly as it was
// (no NaN state is ever written), on the memory and the Redis store. The attack: min-char-rnn's
// 63 inputs at 3.4e38 overflow its input projection; a state of 3.4e38 overflows kjv-char-gru's
// head; a ReLU network overflows on large inputs, so a forecast does too.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { assertError, buildTestApp } from '../helpers/app.js';
import { MODELS_DIR as BUNDLED } from '../helpers/bundled-models.js';
import { writeRandomPackage } from '../helpers/model-files.js';
import { RedisPrefixes, requireRedis } from '../helpers/redis.js';
import { StreamClient, listenForStreams } from '../helpers/stream-client.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HUGE = 3.4e38;
const hugeRow = (n: number) => Array.from({ length: n }, () => HUGE);
const oneHot = (n: number, k: number) => Array.from({ length: n }, (_, j) => (j === k ? 1 : 0));
/** kjv-char-gru: 1 layer of 256. */
const hugeGruState = { h: [hugeRow(256)] };

// The bundled packages, plus a ReLU network that can forecast (output_size = input_size).
const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-nonfinite-'));
for (const name of ['min-char-rnn', 'kjv-char-gru']) cpSync(join(BUNDLED, name), join(dir, name), { recursive: true });
writeRandomPackage(dir, 'relu_echo', { architecture: 'rnn', nonlinearity: 'relu', input_size: 3, hidden_size: 4, output_size: 3 }, 7, 0.9);

const prefixes = new RedisPrefixes();
after(async () => {
  await prefixes.deleteAll();
  rmSync(dir, { recursive: true, force: true });
});

for (const store of ['memory', 'redis'] as const) {
  describe(`non-finite results never answer or corrupt (${store} store)`, () => {
    let app: FastifyInstance;
    let base: string;
    before(async () => {
      if (store === 'redis') await requireRedis();
      const env: Record<string, string> = { MODELS_DIR: dir };
      if (store === 'redis') Object.assign(env, { SESSION_STORE: 'redis', REDIS_KEY_PREFIX: prefixes.create('nonfinite') });
      app = await buildTestApp(env);
      base = await listenForStreams(app);
    });
    after(() => app.close());

    const post = (url: string, payload: Json) => app.inject({ method: 'POST', url, payload });
    async function session(model: string, state?: Json): Promise<Json> {
      const response = await post('/v1/sessions', { model, ...(state ? { state } : {}) });
      assert.equal(response.statusCode, 201, response.body);
      const id = response.json().session_id as string;
      const read = await app.inject(`/v1/sessions/${id}`);
      assert.equal(read.statusCode, 200, read.body);
      return read.json();
    }
    async function assertUnchanged(before: Json): Promise<void> {
      const read = await app.inject(`/v1/sessions/${before.session_id}`);
      assert.equal(read.statusCode, 200, read.body);
      const now = read.json();
      assert.equal(now.t, before.t, 't unchanged');
      assert.deepEqual(now.state, before.state, 'state unchanged');
    }

    it('REST predict, one sequence and a batch: 422 naming the overflowing output', async () => {
      assertError(await post('/v1/models/min-char-rnn/predict', { inputs: [hugeRow(63)] }), 422, 'NON_FINITE_RESULT', /outputs\[0\]\[\d+\] is (NaN|-?Infinity)/);
      const batch = await post('/v1/models/min-char-rnn/predict', { sequences: [{ inputs: [oneHot(63, 1)] }, { inputs: [oneHot(63, 2), hugeRow(63)] }] });
      assertError(batch, 422, 'NON_FINITE_RESULT', /sequences\[1\]\.outputs\[1\]/);
      // From a finite state so large that the head overflows.
      assertError(await post('/v1/models/kjv-char-gru/predict', { text: 'In', state: hugeGruState }), 422, 'NON_FINITE_RESULT');
    });

    it('a session step that overflows changes nothing, and the session goes on working', async () => {
      const before = await session('min-char-rnn');
      const step = await post(`/v1/sessions/${before.session_id}/steps`, { inputs: [oneHot(63, 3), hugeRow(63)] });
      assertError(step, 422, 'NON_FINITE_RESULT', 'nothing was changed');
      await assertUnchanged(before);
      const next = await post(`/v1/sessions/${before.session_id}/steps`, { inputs: [oneHot(63, 3)] });
      assert.equal(next.statusCode, 200, next.body);
      assert.equal(next.json().t, 1);
    });

    it('generate (model and session) from a state that overflows: 422, the session unchanged', async () => {
      assertError(await post('/v1/models/kjv-char-gru/generate', { text: 'In', state: hugeGruState, max_tokens: 3 }), 422, 'NON_FINITE_RESULT');
      const before = await session('kjv-char-gru', hugeGruState);
      assertError(await post(`/v1/sessions/${before.session_id}/generate`, { text: 'In', max_tokens: 3 }), 422, 'NON_FINITE_RESULT');
      await assertUnchanged(before);
    });

    it('forecast (model and session) that overflows: 422, the session unchanged', async () => {
      const history = { inputs: [[-HUGE, -HUGE, -HUGE]], horizon: 3 };
      assertError(await post('/v1/models/relu_echo/forecast', history), 422, 'NON_FINITE_RESULT');
      const before = await session('relu_echo');
      assertError(await post(`/v1/sessions/${before.session_id}/forecast`, history), 422, 'NON_FINITE_RESULT');
      await assertUnchanged(before);
    });

    it('a stream answers an error frame for x, inputs, binary frames and generate; it stays open and the session unchanged', async () => {
      const vector = await StreamClient.open(`${base}/v1/models/min-char-rnn/stream`);
      const ready = await vector.json();
      const id = ready.session_id as string;
      const snapshot = (await app.inject(`/v1/sessions/${id}`)).json();
      vector.sendJson({ x: hugeRow(63), id: 1 });
      let reply = await vector.json();
      assert.deepEqual([reply.type, reply.code, reply.id], ['error', 'NON_FINITE_RESULT', 1], JSON.stringify(reply));
      vector.sendJson({ inputs: [oneHot(63, 1), hugeRow(63)], id: 2 });
      reply = await vector.json();
      assert.deepEqual([reply.type, reply.code, reply.id], ['error', 'NON_FINITE_RESULT', 2], JSON.stringify(reply));
      vector.sendFloats(Float32Array.from(hugeRow(63)));
      reply = await vector.json();
      assert.deepEqual([reply.type, reply.code], ['error', 'NON_FINITE_RESULT'], JSON.stringify(reply));
      await assertUnchanged(snapshot);
      vector.sendJson({ x: oneHot(63, 4), id: 3 });
      reply = await vector.json();
      assert.deepEqual([reply.type, reply.t, reply.id], ['output', 1, 3]);
      assert.ok((reply.y as unknown[]).every((v) => typeof v === 'number'));
      await vector.close();

      const before = await session('kjv-char-gru', hugeGruState);
      const tokens = await StreamClient.open(`${base}/v1/sessions/${before.session_id}/stream`);
      await tokens.json();
      tokens.sendJson({ type: 'generate', text: 'In', max_tokens: 3, id: 'g' });
      reply = await tokens.json();
      assert.deepEqual([reply.type, reply.code, reply.id], ['error', 'NON_FINITE_RESULT', 'g'], JSON.stringify(reply));
      tokens.sendJson({ x: 'I', id: 'x' });
      reply = await tokens.json();
      assert.deepEqual([reply.type, reply.code], ['error', 'NON_FINITE_RESULT'], JSON.stringify(reply));
      await assertUnchanged(before);
      await tokens.close();
    });
  });
}

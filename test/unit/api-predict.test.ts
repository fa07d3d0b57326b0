// POST /v1/models/{model}/predict through HTTP: the PyTorch fixtures, token inputs, and every
// way a body can be wrong (each message names the position).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { assertError, buildTestApp } from '../helpers/app.js';
import { FIXTURES_DIR, assertClose, hasCaseFile, listPackageDirs, readCaseFile, type PackageCase } from '../helpers/fixtures.js';
import { basename } from 'node:path';

const MAX_SEQUENCE_LENGTH = 64;
const app = await buildTestApp({ MAX_SEQUENCE_LENGTH: String(MAX_SEQUENCE_LENGTH) });
after(() => app.close());

const predict = (model: string, payload: unknown) =>
  app.inject({ method: 'POST', url: `/v1/models/${model}/predict`, payload: payload as object });

/** A case as a request sequence: its inputs (or tokens) and initial state. */
function sequenceOf(c: PackageCase): Record<string, unknown> {
  return { ...(c.inputs ? { inputs: c.inputs } : { tokens: c.tokens }), ...(c.state ? { state: c.state } : {}) };
}

function assertState(got: { h: number[][]; c?: number[][] }, want: PackageCase['final_state'], tolerance: { abs: number; rel: number }, what: string) {
  assertClose(got.h.flat(), want.h.flat(), tolerance, `${what} h`);
  assert.equal(got.c === undefined, want.c === undefined, `${what}: c present only for lstm`);
  if (want.c) assertClose(got.c!.flat(), want.c.flat(), tolerance, `${what} c`);
}

describe('predict matches the PyTorch fixtures', () => {
  for (const dir of listPackageDirs(FIXTURES_DIR).filter(hasCaseFile)) {
    const model = basename(dir);
    const { cases, tolerance } = readCaseFile(dir);

    it(`${model}: every case, one request each`, async () => {
      for (const c of cases) {
        const response = await predict(model, sequenceOf(c));
        assert.equal(response.statusCode, 200, response.body);
        const body = response.json();
        assert.equal(body.model, model);
        assertClose(body.outputs.flat(), c.outputs.flat(), tolerance, `${c.name} outputs`);
        assert.equal(body.outputs.length, c.outputs.length);
        assertState(body.state, c.final_state, tolerance, `${c.name} state`);
      }
    });

    it(`${model}: all cases as one ragged batch`, async () => {
      const response = await predict(model, { sequences: cases.map(sequenceOf) });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.equal(body.model, model);
      assert.equal(body.results.length, cases.length);
      cases.forEach((c, i) => {
        assertClose(body.results[i].outputs.flat(), c.outputs.flat(), tolerance, `${c.name} outputs (batch)`);
        assertState(body.results[i].state, c.final_state, tolerance, `${c.name} state (batch)`);
      });
    });
  }
});

describe('token models', () => {
  const { cases, tolerance } = readCaseFile(`${FIXTURES_DIR}/token_gru`);
  const vocab = (app.inference.modelInfo('token_gru').vocab ?? []) as string[];

  it('accept ids, vocabulary strings and text alike', async () => {
    for (const c of cases) {
      const text = (c as PackageCase & { text: string }).text;
      const forms = [{ tokens: c.tokens }, { tokens: c.tokens!.map((id) => vocab[id]) }, { text }];
      for (const form of forms) {
        const response = await predict('token_gru', { ...form, ...(c.state ? { state: c.state } : {}) });
        assert.equal(response.statusCode, 200, response.body);
        assertClose(response.json().outputs.flat(), c.outputs.flat(), tolerance, `${c.name} ${Object.keys(form)[0]}`);
      }
    }
  });

  it('split text by code point and name the character that is not in the vocabulary', async () => {
    assertError(await predict('token_gru', { text: 'he😀l' }), 400, 'INVALID_INPUT', `text[2] "😀" is not in the vocabulary of model 'token_gru'`);
  });

  it('name the token that is not in the vocabulary, or the id out of range', async () => {
    assertError(await predict('token_gru', { tokens: ['h', 'e', 'l', 'l', 'q'] }), 400, 'INVALID_INPUT', `tokens[4] "q" is not in the vocabulary of model 'token_gru'`);
    assertError(await predict('token_gru', { tokens: [0, 12] }), 400, 'INVALID_INPUT', 'tokens[1] is not a token');
    assertError(await predict('token_gru', { tokens: [0, 1.5] }), 400, 'INVALID_INPUT', 'tokens[1]');
  });

  it('refuse tokens and text for a model without a vocabulary', async () => {
    assertError(await predict('gru', { tokens: [1, 2] }), 400, 'INVALID_INPUT', "model 'gru' has no vocabulary");
    assertError(await predict('gru', { text: 'hello' }), 400, 'INVALID_INPUT', "model 'gru' has no vocabulary");
  });
});

describe('predict refuses malformed input, naming where', () => {
  const row = [0.1, 0.2, 0.3];

  it('a row of the wrong width', async () => {
    assertError(await predict('gru', { inputs: [row, row, row, [1, 2]] }), 400, 'INVALID_INPUT', "inputs[3] has 2 values, model 'gru' expects 3");
  });

  it('a value that is not a number, or not finite', async () => {
    assertError(await predict('gru', { inputs: [row, [1, 'x', 3]] }), 400, 'INVALID_INPUT', 'inputs[1][1] is not a finite number');
    assertError(await predict('gru', { inputs: [row, [1, null, 3]] }), 400, 'INVALID_INPUT', 'inputs[1][1] is not a finite number');
    const overflow = await app.inject({
      method: 'POST',
      url: '/v1/models/gru/predict',
      headers: { 'content-type': 'application/json' },
      payload: '{"inputs": [[0, 0, 0], [1e999, 0, 0]]}', // JSON.parse makes this Infinity
    });
    assertError(overflow, 400, 'INVALID_INPUT', 'inputs[1][0] is not a finite number');
    assertError(await predict('gru', { inputs: [[1e39, 0, 0]] }), 400, 'INVALID_INPUT', 'inputs[0][0] is outside the float32 range');
  });

  it('rows that are not arrays', async () => {
    assertError(await predict('gru', { inputs: [row, 5] }), 400, 'INVALID_INPUT', 'inputs[1]');
    assertError(await predict('gru', { inputs: 'abc' }), 400, 'INVALID_INPUT', 'inputs');
  });

  it('an empty sequence, or one longer than MAX_SEQUENCE_LENGTH', async () => {
    assertError(await predict('gru', { inputs: [] }), 400, 'INVALID_INPUT', 'inputs is empty');
    assertError(await predict('token_gru', { text: '' }), 400, 'INVALID_INPUT', 'text is empty');
    const long = Array.from({ length: MAX_SEQUENCE_LENGTH + 1 }, () => row);
    assertError(await predict('gru', { inputs: long }), 400, 'INVALID_INPUT', `inputs has ${MAX_SEQUENCE_LENGTH + 1} elements, more than the limit of ${MAX_SEQUENCE_LENGTH}`);
    const longest = await predict('gru', { inputs: long.slice(1) });
    assert.equal(longest.statusCode, 200);
  });

  it('none, or more than one, of inputs, tokens and text', async () => {
    assertError(await predict('gru', {}), 400, 'INVALID_INPUT', "needs exactly one of inputs (model 'gru'); none was given");
    assertError(await predict('token_gru', { tokens: [1], text: 'h' }), 400, 'INVALID_INPUT', 'it has tokens and text');
  });

  it('a state of the wrong shape', async () => {
    const h = (n: number) => Array.from({ length: n }, () => 0);
    assertError(await predict('gru', { inputs: [row], state: { h: [h(8), h(8)] } }), 400, 'INVALID_INPUT', "state.h has 2 rows, model 'gru' has 1 layers");
    assertError(await predict('gru', { inputs: [row], state: { h: [h(5)] } }), 400, 'INVALID_INPUT', "state.h[0] has 5 values, model 'gru' expects 8");
    assertError(await predict('lstm', { inputs: [row], state: { h: [h(8)] } }), 400, 'INVALID_INPUT', "state.c is required: model 'lstm' is an lstm");
    assertError(await predict('gru', { inputs: [row], state: { h: [h(8)], c: [h(8)] } }), 400, 'INVALID_INPUT', 'state.c is only for lstm models');
    assertError(await predict('gru', { inputs: [row], state: {} }), 400, 'INVALID_INPUT', 'state.h is required');
  });

  it('batch: names the sequence, and refuses single-sequence fields beside sequences', async () => {
    assertError(await predict('gru', { sequences: [{ inputs: [row] }, { inputs: [row, [1]] }] }), 400, 'INVALID_INPUT', "sequences[1].inputs[1] has 1 values, model 'gru' expects 3");
    assertError(await predict('gru', { sequences: [{ inputs: [row] }, {}] }), 400, 'INVALID_INPUT', 'sequences[1] needs exactly one of inputs');
    assertError(await predict('gru', { sequences: [{ inputs: [row], state: { h: [[0]] } }] }), 400, 'INVALID_INPUT', 'sequences[0].state.h[0] has 1 values');
    assertError(await predict('gru', { sequences: [] }), 400, 'INVALID_INPUT', 'sequences is empty');
    assertError(await predict('gru', { inputs: [row], sequences: [{ inputs: [row] }] }), 400, 'INVALID_INPUT', 'a batch request has only sequences');
  });

  it('an unknown model is 404 MODEL_NOT_FOUND', async () => {
    assertError(await predict('nope', { inputs: [row] }), 404, 'MODEL_NOT_FOUND', "model 'nope' is not loaded");
  });
});

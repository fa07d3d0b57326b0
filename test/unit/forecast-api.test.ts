// POST /v1/models/{model}/forecast and /v1/sessions/{id}/forecast on packages written here with
// random weights and output_size = input_size, one with input and output normalization: a
// forecast is exactly a client posting each returned prediction back as its next input, the
// state has consumed every prediction, and bad horizons or models get a 400 naming the problem.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { assertError, buildTestApp, makeModelsDir } from '../helpers/app.js';
import { writeRandomPackage } from '../helpers/model-files.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const MAX_FORECAST_HORIZON = 25;

const models = makeModelsDir(['gru']);
// Raw values around 10 and -3 with spreads unlike 1: normalizing and denormalizing both matter.
writeRandomPackage(
  models.dir,
  'normalized_lstm',
  {
    architecture: 'lstm',
    input_size: 3,
    hidden_size: 6,
    num_layers: 2,
    output_size: 3,
    normalization: {
      input: { mean: [10, -3, 0.5], std: [2, 0.25, 3] },
      output: { mean: [9, -2.5, 1], std: [1.5, 0.5, 4] },
    },
  },
  5,
);
// No head: the outputs are the hidden state, as wide as the inputs.
writeRandomPackage(models.dir, 'gru_nohead', { architecture: 'gru', input_size: 4, hidden_size: 4 }, 6);

const app = await buildTestApp({ MODELS_DIR: models.dir, MAX_FORECAST_HORIZON: String(MAX_FORECAST_HORIZON) });
after(async () => {
  await app.close();
  models.cleanup();
});

const post = (url: string, payload: Json) => app.inject({ method: 'POST', url, payload });

async function ok(url: string, payload: Json): Promise<Json> {
  const response = await post(url, payload);
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

async function createSession(model: string): Promise<string> {
  const response = await post('/v1/sessions', { model });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().session_id;
}

async function sessionState(id: string): Promise<Json> {
  const response = await app.inject({ url: `/v1/sessions/${id}` });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

const history = (rows: number, width: number, mean: readonly number[]) =>
  Array.from({ length: rows }, (_, t) => Array.from({ length: width }, (_, j) => mean[j % mean.length] + Math.sin(t * 0.9 + j)));

/** What a client does without forecast: post the history, then each prediction as the next input. */
async function forecastByHand(model: string, inputs: number[][], horizon: number): Promise<{ predictions: number[][]; session: Json }> {
  const id = await createSession(model);
  let step = await ok(`/v1/sessions/${id}/steps`, { inputs });
  const predictions: number[][] = [];
  for (let k = 0; k < horizon; k++) {
    const prediction = step.outputs.at(-1);
    predictions.push(prediction);
    step = await ok(`/v1/sessions/${id}/steps`, { inputs: [prediction] });
  }
  return { predictions, session: await sessionState(id) };
}

describe('forecast', () => {
  for (const [model, width, mean] of [
    ['normalized_lstm', 3, [10, -3, 0.5]],
    ['gru_nohead', 4, [0]],
  ] as const) {
    it(`${model}: equals posting each prediction back by hand through a session`, async () => {
      const inputs = history(5, width, mean);
      const horizon = 12;
      const { predictions, session } = await forecastByHand(model, inputs, horizon);

      const onModel = await ok(`/v1/models/${model}/forecast`, { inputs, horizon });
      assert.equal(onModel.model, model);
      assert.equal(onModel.outputs.length, horizon);
      assert.deepEqual(onModel.outputs, predictions);
      assert.deepEqual(onModel.state, session.state, 'the state after the history and every prediction');

      const id = await createSession(model);
      const onSession = await ok(`/v1/sessions/${id}/forecast`, { inputs, horizon, return_state: true });
      assert.equal(onSession.session_id, id);
      assert.equal(onSession.t, inputs.length + horizon);
      assert.equal(session.t, inputs.length + horizon);
      assert.deepEqual(onSession.outputs, predictions);
      assert.deepEqual(onSession.state, session.state);
      assert.deepEqual((await sessionState(id)).state, session.state);
    });
  }

  it('the first prediction is the last output of predict, and the outputs are raw (denormalized) values', async () => {
    const inputs = history(4, 3, [10, -3, 0.5]);
    const predicted = await ok('/v1/models/normalized_lstm/predict', { inputs });
    const forecast = await ok('/v1/models/normalized_lstm/forecast', { inputs, horizon: 1 });
    assert.deepEqual(forecast.outputs, [predicted.outputs.at(-1)]);
  });

  it('starts from a given state, and a session goes on from where it is', async () => {
    const inputs = history(6, 3, [10, -3, 0.5]);
    const { state } = await ok('/v1/models/normalized_lstm/predict', { inputs: inputs.slice(0, 4) });
    const fromState = await ok('/v1/models/normalized_lstm/forecast', { inputs: inputs.slice(4), horizon: 7, state });

    const id = await createSession('normalized_lstm');
    await ok(`/v1/sessions/${id}/steps`, { inputs: inputs.slice(0, 4) });
    const onSession = await ok(`/v1/sessions/${id}/forecast`, { inputs: inputs.slice(4), horizon: 7, expected_t: 4 });
    assert.equal(onSession.t, 4 + 2 + 7);
    assert.equal('state' in onSession, false, 'no state unless return_state');
    assert.deepEqual(onSession.outputs, fromState.outputs);
    assert.deepEqual((await sessionState(id)).state, fromState.state);
  });

  it('refuses a wrong expected_t with 409 and changes nothing', async () => {
    const id = await createSession('gru_nohead');
    await ok(`/v1/sessions/${id}/steps`, { inputs: history(2, 4, [0]) });
    const before = await sessionState(id);
    const response = await post(`/v1/sessions/${id}/forecast`, { inputs: history(1, 4, [0]), horizon: 3, expected_t: 0 });
    assertError(response, 409, 'SEQUENCE_CONFLICT', `expected_t is 0 but session '${id}' is at t = 2`);
    assert.deepEqual(await sessionState(id), before);
  });
});

describe('forecast answers', () => {
  it('leave the state out with return_state false, and nothing else changes', async () => {
    const request = { inputs: history(4, 3, [10, -3, 0.5]), horizon: 3 };
    const full = await ok('/v1/models/normalized_lstm/forecast', request);
    const lean = await ok('/v1/models/normalized_lstm/forecast', { ...request, return_state: false });
    assert.ok(full.state !== undefined);
    assert.deepEqual(lean, { model: full.model, outputs: full.outputs });
  });
});

describe('forecast errors', () => {
  const url = '/v1/models/gru_nohead/forecast';
  const row = [0.1, 0.2, 0.3, 0.4];
  const refused: [string, Json, string][] = [
    ['horizon 0', { inputs: [row], horizon: 0 }, 'horizon must be >= 1'],
    [
      'a horizon above MAX_FORECAST_HORIZON',
      { inputs: [row], horizon: MAX_FORECAST_HORIZON + 1 },
      `horizon ${MAX_FORECAST_HORIZON + 1} is not an integer in 1..${MAX_FORECAST_HORIZON} (MAX_FORECAST_HORIZON)`,
    ],
    ['a fractional horizon', { inputs: [row], horizon: 2.5 }, 'horizon is not an integer'],
    ['no horizon', { inputs: [row] }, 'horizon is required'],
    ['no history', { horizon: 3 }, 'inputs is required'],
    ['an empty history', { inputs: [], horizon: 3 }, 'inputs is empty'],
    ['a row of the wrong width', { inputs: [row, [1, 2]], horizon: 3 }, "inputs[1] has 2 values, model 'gru_nohead' expects 4"],
  ];
  for (const [what, payload, message] of refused) {
    it(`refuses ${what}`, async () => {
      assertError(await post(url, payload), 400, 'INVALID_INPUT', message);
    });
  }

  it('refuses a model whose outputs are not as wide as its inputs, on the model and on a session', async () => {
    const message = "model 'gru' cannot forecast: its outputs (output_size 2) cannot be fed back as its inputs (input_size 3)";
    assertError(await post('/v1/models/gru/forecast', { inputs: [[1, 2, 3]], horizon: 2 }), 400, 'INVALID_INPUT', message);
    const id = await createSession('gru');
    assertError(await post(`/v1/sessions/${id}/forecast`, { inputs: [[1, 2, 3]], horizon: 2 }), 400, 'INVALID_INPUT', message);
    assert.equal((await sessionState(id)).t, 0);
  });

  it('answers 404 for an unknown model or session', async () => {
    assertError(await post('/v1/models/nope/forecast', { inputs: [row], horizon: 1 }), 404, 'MODEL_NOT_FOUND');
    assertError(await post('/v1/sessions/nope/forecast', { inputs: [row], horizon: 1 }), 404, 'SESSION_NOT_FOUND');
  });
});

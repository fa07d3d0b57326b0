// POST /v1/models/{model}/generate and /v1/sessions/{id}/generate on the token_gru fixture:
// greedy generation is argmax of predict step by step, seeds replay, top_k = 1 is greedy, stop
// strings cut the text, a session advances exactly as if its tokens were posted to /steps, and
// bad parameters or models that cannot generate get a 400 naming what is wrong.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { generate, type GeneratedToken } from '../../src/service/generation.js';
import { assertError, buildTestApp, makeModelsDir } from '../helpers/app.js';
import { assertClose } from '../helpers/fixtures.js';
import { writeRandomPackage } from '../helpers/model-files.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const VOCAB = ['h', 'e', 'l', 'o', ' ', 'w', 'r', 'd', '.', ',', '!', '?'];
const MAX_GENERATE_TOKENS = 40;

const models = makeModelsDir(['token_gru', 'gru']);
// A token package whose output_size (5) is not its vocabulary size (3): it cannot generate.
writeRandomPackage(
  models.dir,
  'token_mismatch',
  { architecture: 'gru', input_size: 2, hidden_size: 4, output_size: 5, vocab: ['a', 'b', 'c'] },
  3,
);
const app = await buildTestApp({ MODELS_DIR: models.dir, MAX_GENERATE_TOKENS: String(MAX_GENERATE_TOKENS) });
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

const generateOn = (model: string, payload: Json) => ok(`/v1/models/${model}/generate`, payload);
const textOf = (tokens: readonly number[]) => tokens.map((id) => VOCAB[id]).join('');

async function createSession(model = 'token_gru'): Promise<string> {
  const response = await post('/v1/sessions', { model });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().session_id;
}

async function sessionState(id: string): Promise<Json> {
  const response = await app.inject({ url: `/v1/sessions/${id}` });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

function argmax(row: readonly number[]): number {
  return row.reduce((best, value, i) => (value > row[best] ? i : best), 0);
}

describe('generate on a model', () => {
  it('greedy (temperature 0) is the argmax of predict, one token at a time from the carried state', async () => {
    const body = await generateOn('token_gru', { text: 'hel', max_tokens: 12, temperature: 0 });
    let step = await ok('/v1/models/token_gru/predict', { text: 'hel' });
    const expected: number[] = [];
    for (let i = 0; i < 12; i++) {
      const id = argmax(step.outputs.at(-1));
      expected.push(id);
      step = await ok('/v1/models/token_gru/predict', { tokens: [id], state: step.state });
    }
    assert.equal(body.model, 'token_gru');
    assert.deepEqual(body.tokens, expected);
    assert.equal(body.text, textOf(expected));
    assert.equal(body.finish_reason, 'length');
    // The state has consumed the last generated token too.
    assert.deepEqual(body.state, step.state);
  });

  it('a seed replays the same tokens, all in the vocabulary; without one, the drawn seed is returned and replays', async () => {
    const request = { text: 'hello ', max_tokens: 30, seed: 1234 };
    const first = await generateOn('token_gru', request);
    assert.deepEqual(await generateOn('token_gru', request), first);
    assert.equal(first.seed, 1234);
    assert.equal(first.tokens.length, 30);
    for (const id of first.tokens) assert.ok(Number.isInteger(id) && id >= 0 && id < VOCAB.length, `token ${id}`);
    assert.equal(first.text, textOf(first.tokens));

    const unseeded = await generateOn('token_gru', { text: 'hello ', max_tokens: 30 });
    assert.ok(Number.isInteger(unseeded.seed), `seed ${unseeded.seed}`);
    assert.deepEqual(await generateOn('token_gru', { text: 'hello ', max_tokens: 30, seed: unseeded.seed }), unseeded);
  });

  it('different seeds give different tokens', async () => {
    const outputs = new Set<string>();
    for (const seed of [1, 2, 3, 4]) outputs.add((await generateOn('token_gru', { text: 'he', max_tokens: 30, seed })).text);
    assert.ok(outputs.size > 1, `four seeds gave ${[...outputs].join(' | ')}`);
  });

  it('top_k = 1 is greedy, whatever the seed and temperature', async () => {
    const greedy = await generateOn('token_gru', { text: 'wor', max_tokens: 20, temperature: 0 });
    for (const seed of [5, 6]) {
      const topK = await generateOn('token_gru', { text: 'wor', max_tokens: 20, top_k: 1, temperature: 2, seed });
      assert.deepEqual(topK.tokens, greedy.tokens);
    }
  });

  it('a prompt as token ids or vocabulary strings is the same prompt as text', async () => {
    const request = { max_tokens: 10, seed: 9 };
    const fromText = await generateOn('token_gru', { ...request, text: 'hello' });
    assert.deepEqual(await generateOn('token_gru', { ...request, tokens: [0, 1, 2, 2, 3] }), fromText);
    assert.deepEqual(await generateOn('token_gru', { ...request, tokens: ['h', 'e', 2, 'l', 3] }), fromText);
  });

  it('ends at a stop string: the text stops before it, the tokens include it', async () => {
    const request = { text: 'hello', max_tokens: MAX_GENERATE_TOKENS, seed: 21 };
    const free = await generateOn('token_gru', request);
    const text: string = free.text;
    // A two-character stop string that first appears after the start of the generated text.
    const at = Array.from({ length: text.length - 2 }, (_, i) => i + 1).find((i) => text.indexOf(text.slice(i, i + 2)) === i);
    assert.ok(at !== undefined, `no usable stop string in ${JSON.stringify(text)}`);
    const stop = text.slice(at, at + 2);

    const stopped = await generateOn('token_gru', { ...request, stop: ['never!?', stop] });
    assert.equal(stopped.finish_reason, 'stop');
    assert.equal(stopped.stop_sequence, stop);
    assert.equal(stopped.text, text.slice(0, at));
    assert.deepEqual(stopped.tokens, free.tokens.slice(0, at + 2));

    const unmatched = await generateOn('token_gru', { ...request, stop: ['?!?!?'] });
    assert.equal(unmatched.finish_reason, 'length');
    assert.equal('stop_sequence' in unmatched, false);
    assert.deepEqual(unmatched.tokens, free.tokens);
  });

  it('starts from a given state', async () => {
    const { state } = await ok('/v1/models/token_gru/predict', { text: 'hello' });
    const fromState = await generateOn('token_gru', { text: ' ', state, max_tokens: 15, temperature: 0 });
    const whole = await generateOn('token_gru', { text: 'hello ', max_tokens: 15, temperature: 0 });
    assert.deepEqual(fromState.tokens, whole.tokens);
  });

  it('concurrent generations (batched together by the scheduler) each give what they give alone', async () => {
    const requests = [1, 2, 3, 4].map((seed) => ({ text: 'hel'.slice(0, seed), max_tokens: 25, seed }));
    const alone: Json[] = [];
    for (const request of requests) alone.push(await generateOn('token_gru', request));
    const together = await Promise.all(requests.map((request) => generateOn('token_gru', request)));
    together.forEach((body, i) => {
      const { state, ...rest } = body;
      const { state: aloneState, ...aloneRest } = alone[i]!;
      assert.deepEqual(rest, aloneRest, `request ${i}`);
      // A batched step (stepBatch) and a lone one (runSequence) agree to float32 rounding, not bitwise.
      assertClose(state.h.flat(), aloneState.h.flat(), { abs: 1e-6, rel: 1e-5 }, `request ${i} state`);
    });
  });

  it('counts the prompt and every generated token in rnn_steps_total', async () => {
    const line = 'rnn_steps_total{model="token_gru",transport="predict"}';
    const read = async () => {
      const found = (await app.inject({ url: '/metrics' })).body.split('\n').find((l) => l.startsWith(`${line} `));
      return found === undefined ? 0 : Number(found.slice(line.length + 1));
    };
    const before = await read();
    await generateOn('token_gru', { text: 'hello', max_tokens: 7, seed: 4 });
    assert.equal(await read(), before + 5 + 7);
  });

  it('streams each token to onToken, in order, before the answer', async () => {
    const streamed: GeneratedToken[] = [];
    const limits = { maxGenerateTokens: MAX_GENERATE_TOKENS, maxSequenceLength: 100 };
    const outcome = await generate(app.inference, 'token_gru', { text: 'he', maxTokens: 8, seed: 3 }, limits, {
      onToken: (token) => {
        streamed.push(token);
      },
    });
    assert.deepEqual(
      streamed,
      outcome.result.tokens.map((id, index) => ({ index, id, token: VOCAB[id] })),
    );
    assert.equal(outcome.steps, 2 + 8);
  });
});

describe('generate answers', () => {
  it('leave the state out with return_state false, and nothing else changes', async () => {
    const request = { text: 'hello', max_tokens: 5, temperature: 0.5, seed: 3 };
    const full = await generateOn('token_gru', request);
    const lean = await generateOn('token_gru', { ...request, return_state: false });
    assert.ok(full.state !== undefined);
    assert.equal(lean.state, undefined);
    const { state: _state, ...rest } = full;
    assert.deepEqual(lean, rest);
  });
});

describe('generate on a session', () => {
  it('advances t and the state exactly as posting the prompt and each generated token to /steps', async () => {
    const generating = await createSession();
    const stepping = await createSession();
    const body = await ok(`/v1/sessions/${generating}/generate`, { text: 'hel', max_tokens: 9, seed: 77, return_state: true });
    assert.equal(body.session_id, generating);
    assert.equal(body.t, 3 + 9);
    assert.equal(body.tokens.length, 9);

    await ok(`/v1/sessions/${stepping}/steps`, { text: 'hel' });
    for (const id of body.tokens) await ok(`/v1/sessions/${stepping}/steps`, { tokens: [id] });
    const stepped = await sessionState(stepping);
    const generated = await sessionState(generating);
    assert.equal(generated.t, stepped.t);
    assert.deepEqual(generated.state, stepped.state);
    assert.deepEqual(body.state, stepped.state);

    // The same request on a model from zeros gives the same tokens and state.
    const onModel = await generateOn('token_gru', { text: 'hel', max_tokens: 9, seed: 77 });
    assert.deepEqual(onModel.tokens, body.tokens);
    assert.deepEqual(onModel.state, body.state);
  });

  it('goes on from where the session is, and counts a stopped generation by the tokens it fed', async () => {
    const id = await createSession();
    const first = await ok(`/v1/sessions/${id}/generate`, { text: 'he', max_tokens: 5, seed: 1 });
    assert.equal(first.t, 7);
    assert.equal('state' in first, false, 'no state unless return_state');
    const second = await ok(`/v1/sessions/${id}/generate`, { tokens: ['l'], max_tokens: 30, seed: 2, stop: ['l', 'e', 'd', '.'] });
    assert.equal(second.finish_reason, 'stop');
    assert.ok(second.tokens.length < 30);
    assert.equal(second.t, 7 + 1 + second.tokens.length);
    assert.equal((await sessionState(id)).t, second.t);
  });

  it('refuses a wrong expected_t with 409 and changes nothing', async () => {
    const id = await createSession();
    await ok(`/v1/sessions/${id}/steps`, { text: 'he' });
    const before = await sessionState(id);
    assertError(await post(`/v1/sessions/${id}/generate`, { text: 'l', expected_t: 5 }), 409, 'SEQUENCE_CONFLICT', 'expected_t is 5');
    assert.deepEqual(await sessionState(id), before);
    const accepted = await ok(`/v1/sessions/${id}/generate`, { text: 'l', expected_t: 2, max_tokens: 3 });
    assert.equal(accepted.t, 6);
  });
});

describe('generation errors', () => {
  const url = '/v1/models/token_gru/generate';
  const refused: [string, Json, string][] = [
    ['a negative temperature', { text: 'he', temperature: -1 }, 'temperature must be >= 0'],
    ['top_p 0', { text: 'he', top_p: 0 }, 'top_p must be > 0'],
    ['top_p above 1', { text: 'he', top_p: 1.5 }, 'top_p must be <= 1'],
    ['a negative top_k', { text: 'he', top_k: -2 }, 'top_k must be >= 0'],
    ['max_tokens 0', { text: 'he', max_tokens: 0 }, 'max_tokens must be >= 1'],
    [
      'max_tokens above MAX_GENERATE_TOKENS',
      { text: 'he', max_tokens: MAX_GENERATE_TOKENS + 1 },
      `max_tokens ${MAX_GENERATE_TOKENS + 1} is not an integer in 1..${MAX_GENERATE_TOKENS} (MAX_GENERATE_TOKENS)`,
    ],
    ['a fractional seed', { text: 'he', seed: 1.5 }, 'seed is not an integer'],
    ['an empty stop string', { text: 'he', stop: [''] }, 'stop[0] must NOT have fewer than 1 characters'],
    ['no prompt', { max_tokens: 3 }, "the prompt is required: send text or tokens (model 'token_gru')"],
    ['two prompts', { text: 'he', tokens: [1] }, 'the prompt is given twice: send text or tokens, not both'],
    ['an empty prompt', { text: '' }, 'text is empty'],
    ['a character outside the vocabulary', { text: 'hex' }, `text[2] "x" is not in the vocabulary of model 'token_gru'`],
    ['a token id outside the vocabulary', { tokens: [12] }, "tokens[0] is not a token of model 'token_gru'"],
  ];
  for (const [what, payload, message] of refused) {
    it(`refuses ${what}`, async () => {
      assertError(await post(url, payload), 400, 'INVALID_INPUT', message);
    });
  }

  it('refuses a model without a vocabulary, on the model and on a session', async () => {
    const message = "model 'gru' has no vocabulary (config vocab), so it cannot generate tokens";
    assertError(await post('/v1/models/gru/generate', { text: 'he' }), 400, 'INVALID_INPUT', message);
    const id = await createSession('gru');
    assertError(await post(`/v1/sessions/${id}/generate`, { text: 'he' }), 400, 'INVALID_INPUT', message);
    assert.equal((await sessionState(id)).t, 0);
  });

  it('refuses a token model whose output_size is not its vocabulary size', async () => {
    assertError(
      await post('/v1/models/token_mismatch/generate', { text: 'ab' }),
      400,
      'INVALID_INPUT',
      "model 'token_mismatch' cannot generate: its output_size 5 is not its vocabulary size 3",
    );
  });

  it('answers 404 for an unknown model or session', async () => {
    assertError(await post('/v1/models/nope/generate', { text: 'he' }), 404, 'MODEL_NOT_FOUND', "model 'nope' is not loaded");
    assertError(await post('/v1/sessions/nope/generate', { text: 'he' }), 404, 'SESSION_NOT_FOUND');
  });
});

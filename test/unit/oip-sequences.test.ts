// Triton's sequence extension over REST /v2 on the dataplane's sessions: start, steps and end
// reproduce PyTorch's whole-sequence results; Triton's errors for unknown ids and missing ids;
// start over, end, expiry, refused requests leaving the session as it was. (Across replicas:
// test/redis/oip-sequences-replicas.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ManualClock, buildTestApp } from '../helpers/app.js';
import { BUNDLED_CASES, assertCase, assertV2Error, readInferResponse, runCaseAsSequence, servedModelsDir } from '../helpers/oip.js';

const MODELS_DIR = servedModelsDir();
const packages = BUNDLED_CASES;

const step = (app: FastifyInstance, parameters: object, data = [330, 331], model = 'co2-lstm') =>
  app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: { parameters, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, data.length, 1], data }] } });

describe('REST /v2 sequences', () => {
  let app: FastifyInstance;
  const clock = new ManualClock();
  before(async () => {
    app = await buildTestApp({ MODELS_DIR, SESSION_TTL_SECONDS: '60', MAX_SEQUENCE_ID_LENGTH: '16' }, { clock: clock.now });
  });
  after(() => app.close());

  let nextId = 1000;
  for (const { name, caseFile } of packages) {
    for (const c of caseFile.cases) {
      it(`${name}: ${c.name} as start, step, end equals PyTorch's whole sequence`, async () => {
        assertCase(await runCaseAsSequence([app], name, c, nextId++), c, caseFile.tolerance, `${name} ${c.name}`);
      });
    }
  }

  it("a non-start request for an unknown id is refused with Triton's START message", async () => {
    assertV2Error(await step(app, { sequence_id: 77 }), 400, "inference request for sequence 77 to model 'co2-lstm' must specify the START flag on the first request of the sequence");
    assertV2Error(await step(app, { sequence_id: 'abc', sequence_end: true }), 400, 'sequence abc');
  });

  it('sequence flags without an id are refused; an id of 0 or "" is no sequence', async () => {
    for (const parameters of [{ sequence_start: true }, { sequence_end: true }, { sequence_id: 0, sequence_start: true }, { sequence_id: '', sequence_end: true }]) {
      assertV2Error(await step(app, parameters), 400, "inference request to model 'co2-lstm' must specify a non-zero or non-empty correlation ID");
    }
    assert.equal((await step(app, { sequence_id: 0 })).statusCode, 200);
    assert.equal((await step(app, { sequence_start: false })).statusCode, 200);
  });

  it('refuses malformed sequence parameters', async () => {
    assertV2Error(await step(app, { sequence_id: -1, sequence_start: true }), 400, 'is not an unsigned integer below 2^53');
    assertV2Error(await step(app, { sequence_id: 1.5, sequence_start: true }), 400, 'is not an unsigned integer');
    assertV2Error(await step(app, { sequence_id: 'x'.repeat(17), sequence_start: true }), 400, 'more than the limit of 16 (MAX_SEQUENCE_ID_LENGTH)');
    assertV2Error(await step(app, { sequence_id: 5, sequence_start: 'yes' }), 400, 'parameters.sequence_start must be true or false');
    assertV2Error(await step(app, { sequence_id: true }), 400, 'sequence_id must be an unsigned integer or a string');
    const batch = await app.inject({
      method: 'POST',
      url: '/v2/models/co2-lstm/infer',
      payload: { parameters: { sequence_id: 5, sequence_start: true }, inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 1, 1], data: [1, 2] }] },
    });
    assertV2Error(batch, 400, 'a request of sequence 5 carries one sequence (B = 1); this one has 2');
  });

  it('end deletes the session after answering; start on a live id starts it over from zeros', async () => {
    const first = readInferResponse(await step(app, { sequence_id: 'restart', sequence_start: true })).values;
    readInferResponse(await step(app, { sequence_id: 'restart' }));
    const again = readInferResponse(await step(app, { sequence_id: 'restart', sequence_start: true })).values;
    assert.deepEqual(again, first, 'a second start is a fresh sequence');
    readInferResponse(await step(app, { sequence_id: 'restart', sequence_end: true }));
    assertV2Error(await step(app, { sequence_id: 'restart' }), 400, 'must specify the START flag');
  });

  it('a refused request leaves the sequence as it was', async () => {
    readInferResponse(await step(app, { sequence_id: 'kept', sequence_start: true }, [330]));
    readInferResponse(await step(app, { sequence_id: 'kept' }, [331]));
    const bad = await app.inject({
      method: 'POST',
      url: '/v2/models/co2-lstm/infer',
      payload: { parameters: { sequence_id: 'kept', sequence_start: true }, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1, 2], data: [1, 2] }] },
    });
    assertV2Error(bad, 400, 'expects input_size 1');
    assertV2Error(await step(app, { sequence_id: 'kept' }, [1e39]), 400, 'infinite');
    const withState = await app.inject({
      method: 'POST',
      url: '/v2/models/co2-lstm/infer',
      payload: {
        parameters: { sequence_id: 'kept' },
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [1, 1, 1], data: [1] },
          { name: 'state_h', datatype: 'FP32', shape: [1, 1, 32], data: Array(32).fill(0) },
          { name: 'state_c', datatype: 'FP32', shape: [1, 1, 32], data: Array(32).fill(0) },
        ],
      },
    });
    assertV2Error(withState, 400, 'state_h and state_c start a sequence, so they go with sequence_start');
    const continued = readInferResponse(await step(app, { sequence_id: 'kept', sequence_end: true }, [332])).values;
    const whole = readInferResponse(await step(app, {}, [330, 331, 332])).values;
    assert.deepEqual(continued.get('output'), whole.get('output')!.slice(2));
    assert.deepEqual(continued.get('state_c'), whole.get('state_c'));
  });

  it('a sequence is bound to its model; a start with the id of another model\'s sequence replaces it', async () => {
    readInferResponse(await step(app, { sequence_id: 'bound', sequence_start: true }));
    const other = await app.inject({
      method: 'POST',
      url: '/v2/models/min-char-rnn/infer',
      payload: { parameters: { sequence_id: 'bound' }, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 63], data: Array(63).fill(0) }] },
    });
    assertV2Error(other, 400, "session 'bound' belongs to model 'co2-lstm', not 'min-char-rnn'");
    const restarted = await app.inject({
      method: 'POST',
      url: '/v2/models/min-char-rnn/infer',
      payload: { parameters: { sequence_id: 'bound', sequence_start: true }, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 63], data: Array(63).fill(0) }] },
    });
    assert.equal(restarted.statusCode, 200, restarted.body);
    assert.equal((await app.inference.getSession('bound')).session.model, 'min-char-rnn');
  });

  it('an expired sequence must start again', async () => {
    readInferResponse(await step(app, { sequence_id: 'idle', sequence_start: true }));
    clock.advance(61_000);
    assertV2Error(await step(app, { sequence_id: 'idle' }), 400, 'inference request for sequence idle');
  });
});

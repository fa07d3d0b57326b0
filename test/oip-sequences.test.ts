// Triton's sequence extension over REST /v2 on the dataplane's sessions: start, steps and end
// reproduce PyTorch's whole-sequence results; Triton's errors for unknown ids and missing ids;
// start over, end, expiry, refused requests leaving the session as it was; and a sequence
// started on one app continuing on another that shares Redis.
import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ManualClock, buildTestApp } from './helpers/app.js';
import { assertClose, listPackageDirs, readCaseFile, type PackageCase } from './helpers/fixtures.js';
import { assertV2Error, caseSlice, caseTensors, readInferResponse, type JsonTensor } from './helpers/oip.js';
import { RedisPrefixes, TEST_REDIS_URL, requireRedis } from './helpers/redis.js';

const MODELS_DIR = fileURLToPath(new URL('../models', import.meta.url));
const packages = listPackageDirs(MODELS_DIR).map((dir) => ({ name: basename(dir), caseFile: readCaseFile(dir) }));
const INPUT_SIZES: Record<string, number> = { 'co2-lstm': 1, 'kjv-char-gru': 32, 'min-char-rnn': 63 };

type Apps = readonly FastifyInstance[];

/** Sends a case as start / middle / end requests, the k-th to apps[k % apps.length]; answers the values. */
async function runCaseAsSequence(apps: Apps, model: string, c: PackageCase, id: number | string) {
  const I = INPUT_SIZES[model]!;
  const T = c.outputs.length;
  const cuts = [0, Math.max(1, Math.floor(T / 3)), Math.max(2, Math.floor((2 * T) / 3)), T];
  const outputs: number[] = [];
  let last: Map<string, number[]> | undefined;
  for (let k = 0; k < 3; k++) {
    const inputs: JsonTensor[] = [caseSlice(c, I, cuts[k]!, cuts[k + 1]!)];
    if (k === 0) inputs.push(...caseTensors(c, I).filter((tensor) => tensor.name.startsWith('state_')));
    const parameters = { sequence_id: id, ...(k === 0 ? { sequence_start: true } : {}), ...(k === 2 ? { sequence_end: true } : {}) };
    const response = await apps[k % apps.length]!.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: { parameters, inputs } });
    const { values } = readInferResponse(response);
    outputs.push(...values.get('output')!);
    last = values;
  }
  return { outputs, last: last! };
}

function assertCase(result: Awaited<ReturnType<typeof runCaseAsSequence>>, c: PackageCase, tolerance: { abs: number; rel: number }, what: string) {
  assertClose(result.outputs, c.outputs.flat(), tolerance, `${what} outputs`);
  assertClose(result.last.get('state_h')!, c.final_state.h.flat(), tolerance, `${what} h`);
  if (c.final_state.c !== undefined) assertClose(result.last.get('state_c')!, c.final_state.c.flat(), tolerance, `${what} c`);
}

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

describe('REST /v2 sequences across replicas sharing Redis', () => {
  const prefixes = new RedisPrefixes();
  let apps: FastifyInstance[] = [];
  before(async () => {
    await requireRedis();
    const env = { MODELS_DIR, SESSION_STORE: 'redis', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefixes.create('oip-sequences') };
    apps = [await buildTestApp(env), await buildTestApp(env)];
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await prefixes.deleteAll();
  });

  for (const { name, caseFile } of packages) {
    const c = caseFile.cases[1]!;
    it(`${name}: started on one app, stepped on the other, ended on the first: PyTorch's results`, async () => {
      const id = `replica-${name}`;
      assertCase(await runCaseAsSequence(apps, name, c, id), c, caseFile.tolerance, `${name} ${c.name}`);
      await assert.rejects(apps[1]!.inference.getSession(id), { code: 'SESSION_NOT_FOUND' });
    });
  }
});

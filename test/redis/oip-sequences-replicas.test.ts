// A sequence of the Open Inference Protocol started on one app continues on another sharing
// Redis: the sequence_id is the session id in the store, so start, step and end may each land on
// a different replica, and over REST or gRPC, and still give PyTorch's whole-sequence results.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { BUNDLED_CASES, assertCase, readInferResponse, runCaseAsSequence, servedModelsDir } from '../helpers/oip.js';
import { float32s, grpcApp, officialClient } from '../helpers/oip-grpc.js';
import { RedisPrefixes, TEST_REDIS_URL, requireRedis } from '../helpers/redis.js';

const MODELS_DIR = servedModelsDir();
const packages = BUNDLED_CASES;

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

describe('a sequence across replicas and transports', () => {
  const prefixes = new RedisPrefixes();
  after(() => prefixes.deleteAll());

  it('starts over gRPC on one replica, steps over REST on another, ends over gRPC on the first', async (t) => {
    await requireRedis();
    const env = { MODELS_DIR, SESSION_STORE: 'redis', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefixes.create('oip-transports') };
    const first = await grpcApp(t, env);
    const second = await buildTestApp(env);
    t.after(() => second.close());
    const client = officialClient(first.address, t);
    const values = [330, 331, 332, 333];
    const grpcStep = async (data: number[], flags: Record<string, object>) => {
      const response = await client.call('ModelInfer', {
        model_name: 'co2-lstm',
        parameters: { sequence_id: { uint64_param: '314159' }, ...flags },
        inputs: [{ name: 'input', datatype: 'FP32', shape: [1, data.length, 1] }],
        raw_input_contents: [Buffer.from(new Float32Array(data).buffer)],
        outputs: [{ name: 'output' }],
      });
      return float32s((response.raw_output_contents as Buffer[])[0]!);
    };
    const outputs = await grpcStep(values.slice(0, 1), { sequence_start: { bool_param: true } });
    const rest = await second.inject({
      method: 'POST',
      url: '/v2/models/co2-lstm/infer',
      payload: { parameters: { sequence_id: 314159 }, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2, 1], data: values.slice(1, 3) }], outputs: [{ name: 'output' }] },
    });
    outputs.push(...readInferResponse(rest).values.get('output')!);
    outputs.push(...(await grpcStep(values.slice(3), { sequence_end: { bool_param: true } })));
    const whole = readInferResponse(
      await second.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer', payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [4, 1], data: values }], outputs: [{ name: 'output' }] } }),
    );
    assert.deepEqual(outputs, whole.values.get('output'), 'the pieces equal the whole sequence, bit for bit');
    await assert.rejects(second.inference.getSession('314159'), { code: 'SESSION_NOT_FOUND' });
  });
});

// REST /v2 (Open Inference Protocol): health, metadata, and stateless infer on the bundled models,
// whose PyTorch cases come back through JSON and binary tensors alike; batches, datatypes, output
// selection, auth and metrics as on /v1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { assertClose } from '../helpers/fixtures.js';
import { assertV2Error, binaryBody, caseTensors, float32Bytes, readInferResponse, BUNDLED_CASES, INPUT_SIZES, servedModelsDir } from '../helpers/oip.js';
import { metricValue } from '../helpers/metric-samples.js';

const MODELS_DIR = servedModelsDir();
const packages = BUNDLED_CASES;

describe('REST /v2: health and metadata', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildTestApp({ MODELS_DIR });
  });
  after(() => app.close());

  it('GET /v2 names the server and advertises the extensions it implements', async () => {
    for (const url of ['/v2', '/v2/']) {
      const response = await app.inject({ url });
      assert.equal(response.statusCode, 200);
      const body = response.json() as { name: string; version: string; extensions: string[] };
      assert.equal(body.name, 'rnn-serve');
      assert.match(body.version, /^\d+\.\d+\.\d+/);
      for (const extension of ['binary_tensor_data', 'sequence', 'sequence(string_id)', 'parameters']) {
        assert.ok(body.extensions.includes(extension), extension);
      }
    }
  });

  it('answers live and ready, and model readiness per model and version', async () => {
    assert.deepEqual((await app.inject({ url: '/v2/health/live' })).json(), { live: true });
    assert.deepEqual((await app.inject({ url: '/v2/health/ready' })).json(), { ready: true });
    const ready = await app.inject({ url: '/v2/models/co2-lstm/versions/1/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { name: 'co2-lstm', ready: true });
    assert.equal((await app.inject({ url: '/v2/models/co2-lstm/ready' })).statusCode, 200);
    assertV2Error(await app.inject({ url: '/v2/models/co2-lstm/versions/7/ready' }), 404, "model 'co2-lstm' has no version '7'");
    assertV2Error(await app.inject({ url: '/v2/models/nope/ready' }), 404, "model 'nope' is not loaded");
  });

  it('the OpenAPI document covers every /v2 route', async () => {
    const document = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    for (const route of [
      'GET /v2/',
      'GET /v2/health/live',
      'GET /v2/health/ready',
      'GET /v2/models/{model}',
      'GET /v2/models/{model}/versions/{version}',
      'GET /v2/models/{model}/ready',
      'GET /v2/models/{model}/versions/{version}/ready',
      'POST /v2/models/{model}/infer',
      'POST /v2/models/{model}/versions/{version}/infer',
    ]) {
      assert.ok(documented.includes(route), route);
    }
  });

  it('model metadata states the tensor contract', async () => {
    const lstm = await app.inject({ url: '/v2/models/co2-lstm' });
    assert.deepEqual(lstm.json(), {
      name: 'co2-lstm',
      versions: ['1'],
      platform: 'rnn-serve_lstm',
      inputs: [
        { name: 'input', datatype: 'FP32', shape: [-1, -1, 1] },
        { name: 'state_h', datatype: 'FP32', shape: [-1, 1, 32] },
        { name: 'state_c', datatype: 'FP32', shape: [-1, 1, 32] },
      ],
      outputs: [
        { name: 'output', datatype: 'FP32', shape: [-1, -1, 1] },
        { name: 'state_h', datatype: 'FP32', shape: [-1, 1, 32] },
        { name: 'state_c', datatype: 'FP32', shape: [-1, 1, 32] },
      ],
    });
    const gru = (await app.inject({ url: '/v2/models/kjv-char-gru/versions/1' })).json() as { inputs: { name: string }[]; outputs: { name: string }[] };
    assert.deepEqual(gru.inputs.map((input) => input.name), ['input', 'tokens', 'text', 'state_h']);
    assert.deepEqual(gru.outputs.map((output) => output.name), ['output', 'state_h']);
    assertV2Error(await app.inject({ url: '/v2/models/kjv-char-gru/versions/2' }), 404, "has no version '2'");
    assertV2Error(await app.inject({ url: '/v2/models/nope' }), 404, "model 'nope' is not loaded");
    assertV2Error(await app.inject({ url: '/v2/nothing/here' }), 404, 'no route GET /v2/nothing/here');
    assertV2Error(await app.inject({ url: '/v2/models' }), 404, 'no route GET /v2/models');
  });
});

describe('REST /v2: infer', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildTestApp({ MODELS_DIR });
  });
  after(() => app.close());

  const infer = (model: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: payload as Record<string, unknown>, headers });

  for (const { name, caseFile } of packages) {
    for (const c of caseFile.cases) {
      it(`${name}: ${c.name} as JSON tensors equals PyTorch`, async () => {
        const { body, values } = readInferResponse(await infer(name, { inputs: caseTensors(c, INPUT_SIZES[name]!) }));
        assert.equal(body.model_name, name);
        assert.equal(body.model_version, '1');
        const T = c.outputs.length;
        const output = body.outputs.find((tensor) => tensor.name === 'output')!;
        assert.deepEqual(output.shape, [1, T, c.outputs[0]!.length]);
        assert.equal(output.datatype, 'FP32');
        assertClose(values.get('output')!, c.outputs.flat(), caseFile.tolerance, 'output');
        assertClose(values.get('state_h')!, c.final_state.h.flat(), caseFile.tolerance, 'state_h');
        if (c.final_state.c !== undefined) assertClose(values.get('state_c')!, c.final_state.c.flat(), caseFile.tolerance, 'state_c');
      });
    }
  }

  it('binary tensors in and out give the same numbers as JSON, bit for bit', async () => {
    const c = packages.find((p) => p.name === 'co2-lstm')!.caseFile.cases[1]!; // has a start state
    const tensors = caseTensors(c, 1);
    const json = readInferResponse(await infer('co2-lstm', { inputs: tensors }));
    const header = {
      inputs: tensors.map(({ name, datatype, shape, data }) => ({
        name,
        datatype,
        shape,
        parameters: { binary_data_size: (data!.flat(2) as number[]).length * 4 },
      })),
      outputs: [{ name: 'output', parameters: { binary_data: true } }, { name: 'state_h' }, { name: 'state_c', parameters: { binary_data: true } }],
    };
    const { payload, headers } = binaryBody(header, tensors.map((tensor) => float32Bytes(tensor.data!.flat(2) as number[])));
    const response = await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer', payload, headers });
    assert.equal(response.headers['content-type'], 'application/octet-stream');
    const binary = readInferResponse(response);
    assert.equal(binary.body.outputs[0]!.parameters?.binary_data_size, c.outputs.length * 4);
    assert.equal(binary.body.outputs[1]!.data?.length, 32, 'state_h asked as JSON');
    for (const name of ['output', 'state_h', 'state_c']) assert.deepEqual(binary.values.get(name), json.values.get(name), name);

    // binary_data_output: every output binary unless one says otherwise.
    const all = readInferResponse(await infer('co2-lstm', { inputs: tensors, parameters: { binary_data_output: true }, outputs: [{ name: 'output' }, { name: 'state_h', parameters: { binary_data: false } }] }));
    assert.equal(all.body.outputs[0]!.data, undefined);
    assert.equal(all.body.outputs[1]!.data?.length, 32);
    assert.deepEqual(all.values.get('output'), json.values.get('output'));
  });

  it('a raw binary request (Inference-Header-Content-Length 0) is input [1, T, input_size], answered in binary', async () => {
    const values = [330.5, 331.25, 332];
    const json = readInferResponse(await infer('co2-lstm', { inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 1], data: values }] }));
    const response = await app.inject({
      method: 'POST',
      url: '/v2/models/co2-lstm/infer',
      payload: Buffer.from(float32Bytes(values)),
      headers: { 'inference-header-content-length': '0' },
    });
    const raw = readInferResponse(response);
    assert.deepEqual(raw.body.outputs.map((output) => output.shape), [[1, 3, 1], [1, 1, 32], [1, 1, 32]]);
    assert.deepEqual(raw.values.get('output'), json.values.get('output'));
  });

  it('[T, input_size] without a batch axis answers outputs without one; FP64 and FP16 are accepted', async () => {
    const values = [0.5, -0.25, 1, 2]; // exact in FP16
    const ask = (datatype: string, extra: object = {}) =>
      infer('co2-lstm', { inputs: [{ name: 'input', datatype, shape: [4, 1], data: values, ...extra }] });
    const fp32 = readInferResponse(await ask('FP32'));
    assert.deepEqual(fp32.body.outputs.map((output) => output.shape), [[4, 1], [1, 32], [1, 32]]);
    assert.deepEqual(readInferResponse(await ask('FP64')).values, fp32.values);
    const half = Buffer.alloc(8);
    [0x3800, 0xb400, 0x3c00, 0x4000].forEach((bits, i) => half.writeUInt16LE(bits, i * 2));
    const { payload, headers } = binaryBody({ inputs: [{ name: 'input', datatype: 'FP16', shape: [4, 1], parameters: { binary_data_size: 8 } }] }, [half]);
    const fp16 = readInferResponse(await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer', payload, headers }));
    assert.deepEqual(fp16.values, fp32.values);
  });

  it('a batch [B, T, I] equals B requests of one sequence each', async () => {
    const rows = [[330, 331, 332], [340, 339, 338], [350, 350, 351]];
    const batch = readInferResponse(await infer('co2-lstm', { inputs: [{ name: 'input', datatype: 'FP32', shape: [3, 3, 1], data: rows }] }));
    assert.deepEqual(batch.body.outputs.map((output) => output.shape), [[3, 3, 1], [3, 1, 32], [3, 1, 32]]);
    for (let b = 0; b < 3; b++) {
      const single = readInferResponse(await infer('co2-lstm', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 1], data: rows[b]! }] }));
      assert.deepEqual(batch.values.get('output')!.slice(b * 3, b * 3 + 3), single.values.get('output'), `row ${b}`);
      assert.deepEqual(batch.values.get('state_c')!.slice(b * 32, b * 32 + 32), single.values.get('state_c'), `row ${b} c`);
    }
  });

  it('token models take tokens INT64 or INT32 [B, T] and text BYTES [B] (JSON or binary) alike', async () => {
    const { caseFile } = packages.find((p) => p.name === 'kjv-char-gru')!;
    const c = caseFile.cases.find((x) => x.text !== undefined && x.state === undefined)!;
    const T = c.tokens!.length;
    const outputs = [{ name: 'output' }];
    const byText = readInferResponse(await infer('kjv-char-gru', { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [c.text] }], outputs }));
    assertClose(byText.values.get('output')!, c.outputs.flat(), caseFile.tolerance, 'text');
    const by64 = readInferResponse(await infer('kjv-char-gru', { inputs: [{ name: 'tokens', datatype: 'INT64', shape: [1, T], data: c.tokens }], outputs }));
    const by32 = readInferResponse(await infer('kjv-char-gru', { inputs: [{ name: 'tokens', datatype: 'INT32', shape: [T], data: c.tokens }], outputs }));
    assert.deepEqual(by64.values, byText.values);
    assert.deepEqual(by32.values, byText.values);
    assert.deepEqual(by32.body.outputs[0]!.shape, [T, 63]);

    const ids = Buffer.alloc(T * 8);
    c.tokens!.forEach((id, i) => ids.writeBigInt64LE(BigInt(id), i * 8));
    const text = Buffer.from(c.text!, 'utf8');
    const bytes = Buffer.concat([Buffer.from([text.length, 0, 0, 0]), text]);
    for (const [tensor, data] of [
      [{ name: 'tokens', datatype: 'INT64', shape: [1, T], parameters: { binary_data_size: ids.length } }, ids],
      [{ name: 'text', datatype: 'BYTES', shape: [1, 1], parameters: { binary_data_size: bytes.length } }, bytes],
    ] as const) {
      const { payload, headers } = binaryBody({ inputs: [tensor], outputs }, [data]);
      const binary = readInferResponse(await app.inject({ method: 'POST', url: '/v2/models/kjv-char-gru/infer', payload, headers }));
      assert.deepEqual(binary.values, byText.values, tensor.name);
    }
  });

  it('the requested outputs select what comes back, in their order; the request id is echoed', async () => {
    const response = readInferResponse(
      await infer('co2-lstm', { id: 'req-7', inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 1], data: [1, 2] }], outputs: [{ name: 'state_c' }, { name: 'output' }] }),
    );
    assert.equal(response.body.id, 'req-7');
    assert.deepEqual(response.body.outputs.map((output) => output.name), ['state_c', 'output']);
  });

  it('counts the steps under transport v2', async () => {
    await infer('co2-lstm', { inputs: [{ name: 'input', datatype: 'FP32', shape: [5, 1], data: [1, 2, 3, 4, 5] }] });
    const text = (await app.inject({ url: '/metrics' })).body;
    assert.ok(metricValue(text, 'rnn_steps_total', '{model="co2-lstm",transport="v2"}') >= 5, text);
  });
});

describe('REST /v2: API keys', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildTestApp({ MODELS_DIR, API_KEYS: 'k1,k2' });
  });
  after(() => app.close());

  it('model routes need a key; health and server metadata do not', async () => {
    const payload = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1], data: [1] }] };
    const refused = await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer', payload });
    assertV2Error(refused, 401, 'needs an API key');
    assert.equal(refused.headers['www-authenticate'], 'Bearer');
    assertV2Error(await app.inject({ url: '/v2/models/co2-lstm', headers: { authorization: 'Bearer nope' } }), 401, 'not valid');
    const accepted = await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer', payload, headers: { authorization: 'Bearer k2' } });
    assert.equal(accepted.statusCode, 200);
    for (const url of ['/v2', '/v2/health/live', '/v2/health/ready']) assert.equal((await app.inject({ url })).statusCode, 200, url);
  });
});

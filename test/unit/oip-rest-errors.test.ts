// REST /v2 refuses malformed requests with a clear 400 in the protocol's shape, and never
// crashes: wrong shapes and datatypes, element counts, NaN, truncated or oversized binary data,
// bad Inference-Header-Content-Length; random bytes never get a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { assertV2Error, binaryBody, float32Bytes, servedModelsDir } from '../helpers/oip.js';

const MODELS_DIR = servedModelsDir();
const input = (extra: object = {}) => ({ name: 'input', datatype: 'FP32', shape: [1, 2, 1], data: [1, 2], ...extra });

describe('REST /v2: malformed requests', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildTestApp({ MODELS_DIR, BODY_LIMIT_BYTES: '65536', MAX_SEQUENCE_LENGTH: '50' });
  });
  after(() => app.close());

  const infer = (payload: unknown, model = 'co2-lstm') =>
    app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
  const binary = (header: object, parts: Uint8Array[], headerLength?: string) => {
    const { payload, headers } = binaryBody(header, parts);
    if (headerLength !== undefined) headers['inference-header-content-length'] = headerLength;
    return app.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer', payload, headers });
  };

  const cases: [string, unknown, string, string?][] = [
    ['no inputs', {}, 'inputs must be an array'],
    ['not an object', [1, 2], 'the inference request must be a JSON object'],
    ['no sequence input', { inputs: [] }, 'needs exactly one of input'],
    ['two sequence inputs (token model)', { inputs: [input({ shape: [1, 1, 32], data: Array(32).fill(0) }), { name: 'text', datatype: 'BYTES', shape: [1], data: ['a'] }] }, 'it has input and text', 'kjv-char-gru'],
    ['unknown input', { inputs: [input(), { name: 'x', datatype: 'FP32', shape: [1], data: [1] }] }, "model 'co2-lstm' has no input 'x'; its inputs are input, state_h, state_c"],
    ['tokens on a vector model', { inputs: [{ name: 'tokens', datatype: 'INT64', shape: [1, 1], data: [1] }] }, "has no input 'tokens'"],
    ['input twice', { inputs: [input(), input()] }, "input 'input' is given twice"],
    ['wrong datatype', { inputs: [input({ datatype: 'INT32' })] }, "input 'input' has datatype INT32; it takes FP32"],
    ['wrong rank', { inputs: [input({ shape: [2] })] }, "input 'input' has shape [2]; it takes [B, T, 1] or [T, 1]"],
    ['wrong input_size', { inputs: [input({ shape: [1, 1, 2] })] }, 'its last dimension is 2, model \'co2-lstm\' expects input_size 1'],
    ['too few elements', { inputs: [input({ shape: [1, 3, 1] })] }, "input 'input' has 2 data elements, but shape [1, 3, 1] holds 3"],
    ['too many elements', { inputs: [input({ data: [1, 2, 3] })] }, 'has more data elements than shape [1, 2, 1] holds 2'],
    ['a string element', { inputs: [input({ data: [1, 'NaN'] })] }, 'input[0][1][0] is string; FP32 data must be a number'],
    ['null element', { inputs: [input({ data: [[null], [1]] })] }, 'input[0][0][0] is null'],
    ['negative dimension', { inputs: [input({ shape: [1, -2, 1] })] }, 'every dimension must be a non-negative integer'],
    ['fractional dimension', { inputs: [input({ shape: [1, 1.5, 1] })] }, 'every dimension must be a non-negative integer'],
    ['empty sequence', { inputs: [input({ shape: [1, 0, 1], data: [] })] }, 'B and T must be at least 1'],
    ['huge shape, tiny data', { inputs: [input({ shape: [1e6, 1e6, 1] })] }, 'more than a message within the limit of 65536 bytes (BODY_LIMIT_BYTES) can carry'],
    ['shape overflowing', { inputs: [input({ shape: [1e300, 1, 1] })] }, 'every dimension must be a non-negative integer'],
    ['longer than MAX_SEQUENCE_LENGTH', { inputs: [input({ shape: [1, 51, 1], data: Array(51).fill(1) })] }, 'more than the limit of 50 (MAX_SEQUENCE_LENGTH)'],
    ['data missing', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1, 1] }] }, "input 'input' needs data"],
    ['deep nesting', { inputs: [input({ shape: [1, 1, 1], data: [[[[[[[[[[1]]]]]]]]]] })] }, 'nested deeper than 8 levels'],
    ['state_h alone on an lstm', { inputs: [input(), { name: 'state_h', datatype: 'FP32', shape: [1, 1, 32], data: Array(32).fill(0) }] }, 'give both state_h and state_c'],
    ['state of the wrong shape', { inputs: [input(), { name: 'state_h', datatype: 'FP32', shape: [1, 32], data: Array(32).fill(0) }, { name: 'state_c', datatype: 'FP32', shape: [1, 32], data: Array(32).fill(0) }] }, "input 'state_h' has shape [1, 32]; model 'co2-lstm' with this input needs [1, 1, 32]"],
    ['unknown output', { inputs: [input()], outputs: [{ name: 'logits' }] }, "model 'co2-lstm' has no output 'logits'; its outputs are output, state_h, state_c"],
    ['output twice', { inputs: [input()], outputs: [{ name: 'output' }, { name: 'output' }] }, "output 'output' is requested twice"],
    ['binary_data not a boolean', { inputs: [input()], outputs: [{ name: 'output', parameters: { binary_data: 'yes' } }] }, 'binary_data must be true or false'],
    ['an object parameter', { inputs: [input()], parameters: { x: { y: 1 } } }, 'parameters.x must be a string, a number or a boolean'],
    ['binary_data_size without the header', { inputs: [input({ data: undefined, parameters: { binary_data_size: 8 } })] }, 'has no Inference-Header-Content-Length header'],
    ['an unknown token id', { inputs: [{ name: 'tokens', datatype: 'INT64', shape: [1, 2], data: [1, 999] }] }, 'tokens[1] is not a token', 'kjv-char-gru'],
    ['texts of different lengths', { inputs: [{ name: 'text', datatype: 'BYTES', shape: [2], data: ['ab', 'abc'] }] }, 'text[1] has 3 characters but text[0] has 2', 'kjv-char-gru'],
    ['a token id beyond 2^53', { inputs: [{ name: 'tokens', datatype: 'INT64', shape: [1], data: [1e300] }] }, 'tokens[0] is not an integer in the range of exact numbers', 'kjv-char-gru'],
  ];
  for (const [what, payload, message, model] of cases) {
    it(`${what}: 400 saying what and where`, async () => {
      assertV2Error(await infer(payload, model), 400, message);
    });
  }

  it('binary data: NaN, truncated, oversized and inconsistent sizes', async () => {
    const header = (size: number, shape = [1, 2, 1]) => ({ inputs: [{ name: 'input', datatype: 'FP32', shape, parameters: { binary_data_size: size } }] });
    assertV2Error(await binary(header(8), [float32Bytes([1, NaN])]), 400, 'input[0][1][0] is NaN');
    assertV2Error(await binary(header(8), [float32Bytes([Infinity, 1])]), 400, 'input[0][0][0] is infinite');
    assertV2Error(await binary(header(8), [float32Bytes([1])]), 400, 'says binary_data_size 8, but only 4 bytes of binary data remain');
    assertV2Error(await binary(header(2 ** 52), [float32Bytes([1, 2])]), 400, 'says binary_data_size 4503599627370496, but only 8 bytes');
    assertV2Error(await binary(header(-8), [float32Bytes([1, 2])]), 400, 'binary_data_size must be a non-negative integer');
    assertV2Error(await binary(header(4), [float32Bytes([1, 2])]), 400, '8 bytes of binary data follow the JSON header, but the inputs\' binary_data_size add up to 4');
    assertV2Error(await binary(header(8, [1, 3, 1]), [float32Bytes([1, 2])]), 400, "input 'input' has 8 bytes of binary data; shape [1, 3, 1] of FP32 needs 12");
    assertV2Error(
      await binary({ inputs: [{ ...header(8).inputs[0], data: [1, 2] }] }, [float32Bytes([1, 2])]),
      400,
      'has both data and binary_data_size',
    );
  });

  it('a bad Inference-Header-Content-Length: not a number, beyond the body, cutting the JSON', async () => {
    const header = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1, 1], parameters: { binary_data_size: 4 } }] };
    assertV2Error(await binary(header, [float32Bytes([1])], 'abc'), 400, "Inference-Header-Content-Length 'abc' is not a byte count");
    assertV2Error(await binary(header, [float32Bytes([1])], '-1'), 400, 'is not a byte count');
    assertV2Error(await binary(header, [float32Bytes([1])], '100000'), 400, 'Inference-Header-Content-Length is 100000 but the body has only');
    assertV2Error(await binary(header, [float32Bytes([1])], '10'), 400, 'the first 10 bytes of the body (Inference-Header-Content-Length) is not valid JSON');
    const raw = await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer', payload: Buffer.alloc(6), headers: { 'inference-header-content-length': '0' } });
    assertV2Error(raw, 400, 'a raw binary request (Inference-Header-Content-Length 0) carries');
  });

  it('broken BYTES data and invalid UTF-8 are refused', async () => {
    const send = (bytes: Buffer) => {
      const { payload, headers } = binaryBody({ inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: bytes.length } }] }, [bytes]);
      return app.inject({ method: 'POST', url: '/v2/models/kjv-char-gru/infer', payload, headers });
    };
    assertV2Error(await send(Buffer.from([200, 0, 0, 0, 65])), 400, 'element 0 says 200 bytes but only 1 remain');
    assertV2Error(await send(Buffer.from([1, 0])), 400, 'element 0 has no 4-byte length');
    assertV2Error(await send(Buffer.from([1, 0, 0, 0, 0xff])), 400, 'text[0] is not valid UTF-8');
  });

  it('a body over BODY_LIMIT_BYTES, invalid JSON, an empty body: 400', async () => {
    assertV2Error(await infer({ inputs: [input({ data: Array(40000).fill(1) })] }), 400, 'larger than the limit of 65536 bytes (BODY_LIMIT_BYTES)');
    assertV2Error(await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer', payload: '{"inputs": [', headers: { 'content-type': 'application/json' } }), 400, 'the body is not valid JSON');
    assertV2Error(await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer' }), 400, 'the body is not valid JSON');
  });

  it('unknown model and unknown version: 404', async () => {
    assertV2Error(await infer({ inputs: [input()] }, 'nope'), 404, "model 'nope' is not loaded");
    const versioned = await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/versions/3/infer', payload: { inputs: [input()] } });
    assertV2Error(versioned, 404, "model 'co2-lstm' has no version '3'; it serves version '1'");
  });

  it('random bodies and header lengths get a 400 (or a 200), never a 500 (and the server keeps serving)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.option(fc.nat(300)), async (bytes, length) => {
        const headers: Record<string, string> = length === null ? {} : { 'inference-header-content-length': String(length) };
        const response = await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/infer', payload: Buffer.from(bytes), headers });
        // A few are valid (a raw binary request of whole float32 rows): 200; the rest 400.
        assert.ok(response.statusCode === 200 || response.statusCode === 400, `${response.statusCode} ${response.body}`);
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (inputs) => {
        const response = await infer({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1, 1], data: inputs }] });
        assert.ok(response.statusCode === 200 || response.statusCode === 400, `${response.statusCode} ${response.body}`);
      }),
      { numRuns: 200 },
    );
    const ok = await infer({ inputs: [input()] });
    assert.equal(ok.statusCode, 200);
  });
});

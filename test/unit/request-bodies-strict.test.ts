// Issue 9, findings 6 and 11: request bodies are strict. A field no route has (a typo like
// "input" or "max_token") is refused with 400 naming it and where it is, on every route with a
// body and inside nested objects (sequences[i], state); a key that poisons prototypes
// (__proto__, constructor.prototype) is named as forbidden, not reported as "not valid JSON".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertError, buildTestApp } from '../helpers/app.js';
import { writeRandomPackage } from '../helpers/model-files.js';

const modelsDir = mkdtempSync(join(tmpdir(), 'rnn-serve-bodies-'));
after(() => rmSync(modelsDir, { recursive: true, force: true }));
writeRandomPackage(modelsDir, 'gru', { architecture: 'gru', input_size: 3, hidden_size: 4, output_size: 2 }, 1);

const app = await buildTestApp({ MODELS_DIR: modelsDir });
after(() => app.close());
const session = (await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } })).json<{ session_id: string }>();

const row = [0.1, 0.2, 0.3];
/** A valid body of every operation that takes one (the OpenAPI path, as documented). */
const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'POST /v1/models/{model}/predict': { inputs: [row] },
  'POST /v1/sessions': { model: 'gru' },
  'POST /v1/sessions/{id}/steps': { inputs: [row] },
  'POST /v1/sessions/{id}/reset': {},
  'POST /v1/models/{model}/generate': { max_tokens: 1 },
  'POST /v1/sessions/{id}/generate': { max_tokens: 1 },
  'POST /v1/models/{model}/forecast': { inputs: [row], horizon: 1 },
  'POST /v1/sessions/{id}/forecast': { inputs: [row], horizon: 1 },
  'POST /v1/models/{model}/versions/{version}/predict': { inputs: [row] },
  'POST /v1/models/{model}/versions/{version}/generate': { max_tokens: 1 },
  'POST /v1/models/{model}/versions/{version}/forecast': { inputs: [row], horizon: 1 },
};
const url = (template: string): string => template.replace('{model}', 'gru').replace('{version}', '1').replace('{id}', session.session_id);

describe('unknown fields', () => {
  it('the table above covers every operation with a body', () => {
    const paths = (app.swagger() as { paths: Record<string, Record<string, { requestBody?: unknown }>> }).paths;
    const withBody = Object.entries(paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        // /v2 bodies are the Open Inference Protocol's, parsed by src/oip (tested below).
        .filter(([, operation]) => operation.requestBody !== undefined && !path.startsWith('/v2/'))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual(withBody.sort(), Object.keys(VALID_BODIES).sort());
  });

  for (const [operation, body] of Object.entries(VALID_BODIES)) {
    const [method = '', template = ''] = operation.split(' ');
    it(`${operation}: an unknown top-level field is 400 INVALID_INPUT naming it`, async () => {
      const response = await app.inject({ method: method as 'POST', url: url(template), payload: { ...body, bogus_field: 1 } });
      assertError(response, 400, 'INVALID_INPUT', 'bogus_field');
    });
  }

  it('POST /v2/models/{model}/infer: unknown fields of the request, an input or an output are 400 naming them; parameters stay open', async () => {
    const input = { name: 'input', datatype: 'FP32', shape: [1, 3], data: row };
    const infer = (payload: object) => app.inject({ method: 'POST', url: '/v2/models/gru/infer', payload });
    for (const [payload, where] of [
      [{ inputs: [input], bogus_field: 1 }, 'the inference request'],
      [{ inputs: [{ ...input, shapes: [1, 3] }] }, 'inputs[0]'],
      [{ inputs: [input], outputs: [{ name: 'output', binary: true }] }, 'outputs[0]'],
    ] as const) {
      const response = await infer(payload);
      assert.equal(response.statusCode, 400, JSON.stringify(payload));
      assert.match(response.json<{ error: string }>().error, new RegExp(`^${where.replace(/[[\]]/g, '\\$&')} has an unknown field`));
    }
    const open = await infer({ inputs: [{ ...input, parameters: { anything: 1 } }], parameters: { whatever: 'x' } });
    assert.equal(open.statusCode, 200, open.body);
  });

  it('nested objects are strict too, and the message says where', async () => {
    assertError(
      await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { sequences: [{ inputs: [row] }, { inputs: [row], colour: 'red' }] } }),
      400,
      'INVALID_INPUT',
      'sequences[1].colour',
    );
    assertError(
      await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: [row], state: { h: [[0, 0, 0, 0]], hidden: [] } } }),
      400,
      'INVALID_INPUT',
      'state.hidden',
    );
    assertError(
      await app.inject({ method: 'POST', url: `/v1/sessions/${session.session_id}/reset`, payload: { state: { h: [[0, 0, 0, 0]], x: 1 } } }),
      400,
      'INVALID_INPUT',
      'state.x',
    );
  });

  it('a typo of a real field is refused, not ignored (max_token for max_tokens)', async () => {
    assertError(await app.inject({ method: 'POST', url: '/v1/models/gru/generate', payload: { max_token: 5 } }), 400, 'INVALID_INPUT', 'max_token');
  });

  it('the session is unchanged by a refused step', async () => {
    const before = (await app.inject(`/v1/sessions/${session.session_id}`)).json<{ t: number }>();
    await app.inject({ method: 'POST', url: `/v1/sessions/${session.session_id}/steps`, payload: { inputs: [row], retrun_state: true } });
    assert.equal((await app.inject(`/v1/sessions/${session.session_id}`)).json<{ t: number }>().t, before.t);
  });
});

describe('keys that poison prototypes', () => {
  const send = (payload: string) =>
    app.inject({ method: 'POST', url: '/v1/models/gru/predict', headers: { 'content-type': 'application/json' }, payload });

  it('__proto__ is named as a forbidden key, with where it is', async () => {
    assertError(await send('{"inputs":[[0.1,0.2,0.3]],"__proto__":{"x":1}}'), 400, 'INVALID_INPUT', '__proto__: this key is forbidden');
    assertError(await send('{"sequences":[{"inputs":[[0,0,0]]},{"__proto__":{}}]}'), 400, 'INVALID_INPUT', 'sequences[1].__proto__');
    // Escaped in the JSON text: still the same key once parsed.
    assertError(await send('{"\\u005f_proto__":{}}'), 400, 'INVALID_INPUT', '__proto__');
  });

  it('constructor.prototype is named as a forbidden key', async () => {
    assertError(await send('{"state":{"constructor":{"prototype":{"h":1}}}}'), 400, 'INVALID_INPUT', 'state.constructor.prototype');
  });

  it('invalid JSON is still "not valid JSON", with the position when known', async () => {
    const response = await send('{"inputs": [[1, 2,]]}');
    assertError(response, 400, 'INVALID_INPUT', 'not valid JSON');
  });
});

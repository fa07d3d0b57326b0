// REST /v2 answers validate against the OFFICIAL KServe Open Inference Protocol OpenAPI document
// (../shared/oip/kserve_open_inference_rest.yaml): server metadata, model metadata, inference
// responses and error bodies, for stateless and sequence requests. Runs when ../shared exists.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { SHARED_OIP_DIR, servedModelsDir } from '../helpers/oip.js';

const SPEC = join(SHARED_OIP_DIR, 'kserve_open_inference_rest.yaml');
const MODELS_DIR = servedModelsDir();

// The official document lies beside the repository (../shared/oip), not in it: this suite exists
// where it does (as in CI); a clone alone has nothing here to skip.
if (existsSync(SPEC)) describe('REST /v2 against the official OpenAPI document', () => {
  let app: FastifyInstance;
  let schema: (name: string) => ValidateFunction;
  before(async () => {
    // Valid OpenAPI first; then its component schemas, refs and all, compiled by Ajv under one id.
    await SwaggerParser.validate(SPEC);
    const document = (await SwaggerParser.parse(SPEC)) as { components: { schemas: Record<string, unknown> } };
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'oip', components: document.components });
    schema = (name) => {
      const validate = ajv.getSchema(`oip#/components/schemas/${name}`);
      assert.ok(validate, `the specification defines ${name}`);
      return validate;
    };
    app = await buildTestApp({ MODELS_DIR });
  });
  after(() => app?.close());

  const check = (name: string, body: unknown) => {
    const validate = schema(name);
    assert.ok(validate(body), `${name}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(body).slice(0, 400)}`);
  };

  it('server and model metadata', async () => {
    check('metadata_server_response', (await app.inject({ url: '/v2/' })).json());
    for (const model of ['co2-lstm', 'kjv-char-gru', 'min-char-rnn']) {
      check('metadata_model_response', (await app.inject({ url: `/v2/models/${model}/versions/1` })).json());
    }
    check('metadata_model_error_response', (await app.inject({ url: '/v2/models/nope/versions/1' })).json());
  });

  it('inference responses, stateless and in a sequence, and error responses', async () => {
    const requests = [
      ['co2-lstm', { id: 'a', inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 3, 1], data: [1, 2, 3, 4, 5, 6] }] }],
      ['kjv-char-gru', { inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['In the'] }], outputs: [{ name: 'output' }] }],
      ['min-char-rnn', { parameters: { sequence_id: 'conformance-1', sequence_start: true, sequence_end: true }, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 63], data: Array(63).fill(0) }] }],
    ] as const;
    for (const [model, payload] of requests) {
      const request = schema('inference_request');
      assert.ok(request(payload), `our test request is a valid inference_request: ${JSON.stringify(request.errors)}`);
      const response = await app.inject({ method: 'POST', url: `/v2/models/${model}/versions/1/infer`, payload });
      assert.equal(response.statusCode, 200, response.body);
      check('inference_response', response.json());
    }
    const refused = await app.inject({ method: 'POST', url: '/v2/models/co2-lstm/versions/1/infer', payload: { inputs: [] } });
    assert.equal(refused.statusCode, 400);
    check('inference_error_response', refused.json());
  });
});

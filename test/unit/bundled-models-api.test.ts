// The bundled models as a client meets them: all three load and are ready, and each serves its
// PyTorch cases.json through POST predict, with the package's normalization applied by the
// service (co2-lstm's cases are in raw ppm) and token models fed by text.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { assertClose, listPackageDirs, readCaseFile } from '../helpers/fixtures.js';
import { basename } from 'node:path';

const MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));
const packages = listPackageDirs(MODELS_DIR).map((dir) => ({ name: basename(dir), caseFile: readCaseFile(dir) }));

describe('bundled models over HTTP', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildTestApp({ MODELS_DIR });
  });
  after(() => app.close());

  it('lists the three bundled models, all ready', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/models' });
    assert.equal(response.statusCode, 200);
    const models = (response.json() as { models: { name: string; status: string }[] }).models;
    assert.deepEqual(
      models.map((model) => [model.name, model.status]),
      [['co2-lstm', 'ready'], ['kjv-char-gru', 'ready'], ['min-char-rnn', 'ready']],
    );
  });

  for (const { name, caseFile } of packages) {
    for (const c of caseFile.cases) {
      it(`${name}: ${c.name} through POST predict equals PyTorch`, async () => {
        const sequence = c.text !== undefined ? { text: c.text } : c.tokens !== undefined ? { tokens: c.tokens } : { inputs: c.inputs };
        const response = await app.inject({
          method: 'POST',
          url: `/v1/models/${name}/predict`,
          payload: { ...sequence, ...(c.state !== undefined ? { state: c.state } : {}) },
        });
        assert.equal(response.statusCode, 200, response.body);
        const body = response.json() as { outputs: number[][]; state: { h: number[][]; c?: number[][] } };
        assertClose(body.outputs.flat(), c.outputs.flat(), caseFile.tolerance, `${name} ${c.name} outputs`);
        assertClose(body.state.h.flat(), c.final_state.h.flat(), caseFile.tolerance, `${name} ${c.name} h`);
        if (c.final_state.c !== undefined) {
          assertClose(body.state.c!.flat(), c.final_state.c.flat(), caseFile.tolerance, `${name} ${c.name} c`);
        }
      });
    }
  }
});

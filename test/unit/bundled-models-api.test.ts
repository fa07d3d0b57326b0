// The bundled models as a client meets them: all three load and are ready, and each serves its
// PyTorch cases.json through POST predict, with the package's normalization applied by the
// service (co2-lstm's cases are in raw ppm) and token models fed by text. The app serves copies
// of the bundled packages only: a package a user exported into models/ changes nothing here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { BUNDLED_MODELS, bundledModelsOnly, MODELS_DIR } from '../helpers/bundled-models.js';
import { assertClose, readCaseFile } from '../helpers/fixtures.js';
import { join } from 'node:path';

const packages = BUNDLED_MODELS.map((name) => ({ name, caseFile: readCaseFile(join(MODELS_DIR, name)) }));

describe('bundled models over HTTP', () => {
  let app: FastifyInstance;
  let cleanup: () => void;
  before(async () => {
    const models = bundledModelsOnly();
    cleanup = models.cleanup;
    app = await buildTestApp({ MODELS_DIR: models.dir });
  });
  after(async () => {
    await app.close();
    cleanup();
  });

  it('lists the three bundled models, all ready', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/models' });
    assert.equal(response.statusCode, 200);
    const models = (response.json() as { models: { name: string; status: string }[] }).models;
    assert.deepEqual(
      models.map((model) => [model.name, model.status]),
      BUNDLED_MODELS.map((name) => [name, 'ready']),
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

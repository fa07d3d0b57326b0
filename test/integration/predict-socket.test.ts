// POST predict over a real socket (supertest on the app's server): the bytes a client gets, the
// content type and the outputs of each element. Everything else about predict runs in-process
// (test/unit/api-predict.test.ts).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import request from 'supertest';
import { buildTestApp } from '../helpers/app.js';
import { FIXTURES_DIR, readCaseFile } from '../helpers/fixtures.js';

const app = await buildTestApp();
after(() => app.close());

describe('predict over a real socket (supertest)', () => {
  it('answers JSON with the outputs of each element', async () => {
    const { cases } = readCaseFile(`${FIXTURES_DIR}/rnn_tanh`);
    const c = cases[0]!;
    const response = await request(app.server)
      .post('/v1/models/rnn_tanh/predict')
      .send({ inputs: c.inputs })
      .expect(200)
      .expect('content-type', /application\/json/);
    assert.equal(response.body.outputs.length, c.inputs!.length);
  });
});

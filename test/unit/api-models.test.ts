// GET /v1/models, /v1/models/{model}, the health probes, and a package that failed to load:
// listed with its error, its inference routes 503 MODEL_NOT_READY, the others unaffected.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { defaultEngine } from '../../src/engine/index.js';
import { assertError, buildTestApp, makeModelsDir } from '../helpers/app.js';
import type { SessionStore } from '../../src/sessions/session-store.js';
import { MemorySessionStore } from '../../src/sessions/memory-session-store.js';

const models = makeModelsDir(['gru', 'lstm_2layer', 'gru_2layer_nohead'], {
  broken: { 'config.json': '{"architecture": "gru", "hidden_size": 4}' },
});
const app = await buildTestApp({ MODELS_DIR: models.dir });
after(async () => {
  await app.close();
  models.cleanup();
});

describe('models', () => {
  it('lists every package, ready or failed, sorted by name', async () => {
    const response = await app.inject({ url: '/v1/models' });
    assert.equal(response.statusCode, 200);
    const list = response.json().models as Record<string, unknown>[];
    assert.deepEqual(list.map((m) => [m.name, m.status]), [
      ['broken', 'failed'],
      ['gru', 'ready'],
      ['gru_2layer_nohead', 'ready'],
      ['lstm_2layer', 'ready'],
    ]);
    const broken = list[0]!;
    assert.match(String(broken.error), /input_size/);
  });

  it('describes one model as api.md says', async () => {
    const response = await app.inject({ url: '/v1/models/lstm_2layer' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {
      name: 'lstm_2layer',
      status: 'ready',
      architecture: 'lstm',
      input_size: 5,
      hidden_size: 7,
      num_layers: 2,
      output_size: 4,
      output_activation: 'softmax',
      labels: ['north', 'east', 'south', 'west'],
      description: 'LSTM, 2 layers, softmax head',
      version: '1',
      versions: [{ version: '1', status: 'ready' }],
      package_version: '1',
      engine: { name: defaultEngine().engine, isa: defaultEngine().isa },
    });
  });

  it('gives output_size = hidden_size for a model without a head', async () => {
    const info = (await app.inject({ url: '/v1/models/gru_2layer_nohead' })).json();
    assert.equal(info.output_size, info.hidden_size);
  });

  it('answers 404 MODEL_NOT_FOUND for an unknown model', async () => {
    assertError(await app.inject({ url: '/v1/models/nope' }), 404, 'MODEL_NOT_FOUND', "model 'nope' is not loaded");
  });
});

describe('a package that failed to load', () => {
  it('is shown with its error', async () => {
    const info = (await app.inject({ url: '/v1/models/broken' })).json();
    assert.equal(info.status, 'failed');
    assert.equal(typeof info.error, 'string');
  });

  it('answers 503 MODEL_NOT_READY on its inference routes', async () => {
    const predict = await app.inject({ method: 'POST', url: '/v1/models/broken/predict', payload: { inputs: [[1]] } });
    assertError(predict, 503, 'MODEL_NOT_READY', "model 'broken' is not ready");
    const session = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'broken' } });
    assertError(session, 503, 'MODEL_NOT_READY');
  });

  it('does not stop the other models', async () => {
    const predict = await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: [[1, 2, 3]] } });
    assert.equal(predict.statusCode, 200);
  });
});

describe('health', () => {
  it('healthz answers while the process runs', async () => {
    const response = await app.inject({ url: '/healthz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ok' });
  });

  it('readyz is 200 when a model is ready and the store answers', async () => {
    const response = await app.inject({ url: '/readyz' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { status: 'ready', models_ready: 3, models_failed: 1, session_store: 'ok' });
  });
});

describe('readiness failures', () => {
  it('readyz is 503 with the reason when no model is ready, or the store does not answer', async () => {
    const onlyBroken = makeModelsDir([], { broken: { 'config.json': '{}' } });
    const silentStore: SessionStore = Object.assign(new MemorySessionStore({ maxSessions: 10 }), {
      ping: async () => {
        throw new Error('connection refused');
      },
    });
    const unready = await buildTestApp({ MODELS_DIR: onlyBroken.dir }, { sessionStore: silentStore });
    try {
      const response = await unready.inject({ url: '/readyz' });
      assert.equal(response.statusCode, 503);
      const body = response.json();
      assert.equal(body.status, 'not_ready');
      assert.match(body.reason, /no model is ready/);
      assert.match(body.reason, /the session store does not answer: connection refused/);
      assert.equal(body.session_store, 'connection refused');
    } finally {
      await unready.close();
      onlyBroken.cleanup();
    }
  });
});

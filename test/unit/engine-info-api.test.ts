// Where the engine in use is shown: GET /v1/models/{model} (engine name and ISA of every ready
// model) and the rnn_engine_info Prometheus metric; both name the engine this process selected
// (RNN_ENGINE / RNN_ENGINE_ISA, see src/engine/engine-selection.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultEngine } from '../../src/engine/index.js';
import { buildTestApp } from '../helpers/app.js';
import { bundledModelsOnly } from '../helpers/bundled-models.js';

test('models route and /metrics show the engine and ISA running the models', async (t) => {
  const models = bundledModelsOnly();
  const app = await buildTestApp({ MODELS_DIR: models.dir });
  t.after(async () => {
    await app.close();
    models.cleanup();
  });
  const { engine, isa } = defaultEngine();

  const list = (await app.inject('/v1/models')).json() as { models: { name: string; status: string }[] };
  const ready = list.models.filter((m) => m.status === 'ready');
  assert.ok(ready.length >= 1);
  for (const { name } of ready) {
    const info = (await app.inject(`/v1/models/${name}`)).json() as { engine?: { name: string; isa: string } };
    assert.deepEqual(info.engine, { name: engine, isa }, `${name}: engine`);
  }

  const metrics = (await app.inject('/metrics')).body;
  assert.match(metrics, /# TYPE rnn_engine_info gauge/);
  assert.ok(metrics.includes(`rnn_engine_info{engine="${engine}",isa="${isa}"} 1`), metrics.split('\n').filter((l) => l.startsWith('rnn_engine')).join('\n'));
});

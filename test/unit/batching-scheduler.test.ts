// The batching scheduler, the app's default: one StepBatcher per model, metrics observed from
// the batchers, no fixed wait (a lone step costs one setImmediate through the whole service),
// and concurrent REST steps of different sessions batched without changing their results.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createNetwork } from '../../src/engine/index.js';
import type { NetworkSpec } from '../../src/engine/types.js';
import { createMetrics } from '../../src/metrics.js';
import { createBatchingScheduler } from '../../src/sessions/batching-scheduler.js';
import type { ServedModel } from '../../src/service/served-model.js';
import { loadConfig } from '../../src/config.js';
import { buildTestApp } from '../helpers/app.js';
import { assertClose } from '../helpers/fixtures.js';
import { randomArray, randomWeights, seededRandom } from '../helpers/random-network.js';

function servedModel(name: string, spec: NetworkSpec, seed: number): ServedModel {
  const network = createNetwork(spec, randomWeights(spec, seed));
  return { name, network, inputSize: spec.inputSize, outputSize: spec.outputSize, stateSize: network.stateSize } as ServedModel;
}

const gruSpec: NetworkSpec = {
  architecture: 'gru',
  inputSize: 3,
  hiddenSize: 6,
  numLayers: 1,
  nonlinearity: 'tanh',
  outputSize: 2,
  hasHead: true,
  outputActivation: 'identity',
};
const lstmSpec: NetworkSpec = { ...gruSpec, architecture: 'lstm', inputSize: 4, hiddenSize: 5, numLayers: 2, outputSize: 3 };

describe('createBatchingScheduler', () => {
  it('batches concurrent jobs per model, gives each its own result, and observes the batch metrics', async () => {
    const metrics = createMetrics();
    const engineCalls: string[] = [];
    const scheduler = createBatchingScheduler({ metrics, observer: { onEngineCall: (model) => engineCalls.push(model) } });
    const models = [servedModel('gru', gruSpec, 1), servedModel('lstm', lstmSpec, 2)];
    const random = seededRandom(3);
    const jobs = Array.from({ length: 24 }, (_, i) => {
      const model = models[i % 2]!;
      const steps = 1 + (i % 4);
      return { model, steps, state: randomArray(model.stateSize, random), inputs: randomArray(steps * model.inputSize, random) };
    });
    const results = await Promise.all(jobs.map((job) => scheduler.run(job.model, job.state, job.inputs, job.steps)));
    jobs.forEach((job, i) => {
      const want = job.model.network.runSequence(job.inputs, job.steps, job.state);
      assertClose(results[i]!.outputs, want.outputs, { abs: 1e-5, rel: 1e-5 }, `job ${i} outputs`);
      assertClose(results[i]!.state, want.state, { abs: 1e-5, rel: 1e-5 }, `job ${i} state`);
    });
    assert.deepEqual(new Set(engineCalls), new Set(['gru', 'lstm']), 'engine time is reported per model');
    const sizes = (await metrics.batchSize.get()).values;
    const count = (model: string) => sizes.find((v) => v.metricName === 'rnn_batch_size_count' && v.labels.model === model)?.value ?? 0;
    const sum = (model: string) => sizes.find((v) => v.metricName === 'rnn_batch_size_sum' && v.labels.model === model)?.value ?? 0;
    for (const model of ['gru', 'lstm']) {
      assert.ok(count(model) > 0, `${model}: batches observed`);
      assert.ok(sum(model) / count(model) > 1, `${model}: the 12 concurrent jobs were batched`);
    }
    const queued = (await metrics.queueSeconds.get()).values.filter((v) => v.metricName === 'rnn_batch_queue_seconds_count');
    assert.equal(queued.reduce((total, v) => total + v.value, 0), jobs.length, 'each job reports its queueing once');
    assert.equal(scheduler.inFlight, 0);
  });

  it('close() resolves once the jobs accepted before it have finished', async () => {
    const scheduler = createBatchingScheduler();
    const model = servedModel('gru', gruSpec, 4);
    const random = seededRandom(5);
    const finished: number[] = [];
    const runs = [0, 1, 2].map((i) =>
      scheduler.run(model, new Float32Array(model.stateSize), randomArray(3 * model.inputSize, random), 3).then(() => finished.push(i)),
    );
    assert.equal(scheduler.inFlight, 3);
    await scheduler.close();
    assert.equal(finished.length, 3);
    await Promise.all(runs);
  });
});

describe('the app with its default scheduler', () => {
  const appPromise = buildTestApp();
  after(async () => (await appPromise).close());

  it('a lone session step finishes within one setImmediate: no fixed wait, no extra macrotask hop', async () => {
    const app = await appPromise;
    const session = await app.inference.createSession({ model: 'lstm' });
    let stepDone = false;
    const step = app.inference.step(session.id, { inputs: [[0.1, 0.2, 0.3]] }).then(() => (stepDone = true));
    // Queued before the batcher's flush (which is scheduled during the step's microtasks), this
    // runs first and queues a second immediate, which can only run in the next loop turn: after
    // the flush and every microtask it resolves.
    const doneAfterOneImmediate = await new Promise<boolean>((resolve) => setImmediate(() => setImmediate(() => resolve(stepDone))));
    assert.equal(doneAfterOneImmediate, true);
    await step;
  });

  it('concurrent REST steps of different sessions run batched and give the results they give alone', async () => {
    const app = await appPromise;
    const stepAll = await freshSessionsToStep(app, 12);
    const before = (await app.metrics.batchSize.get()).values;
    await stepAll();
    const after = (await app.metrics.batchSize.get()).values;
    const grew = (name: string) => {
      const value = (values: typeof before) => values.find((v) => v.metricName === name && v.labels.model === 'gru')?.value ?? 0;
      return value(after) - value(before);
    };
    assert.ok(grew('rnn_batch_size_count') < 12, `12 steps took ${grew('rnn_batch_size_count')} engine runs`);
    assert.equal(grew('rnn_batch_size_sum'), 12, 'every step was in exactly one engine run');
  });

  it('STEP_BATCH_SESSIONS bounds the sessions of one engine run (default 32)', async () => {
    assert.equal(loadConfig({}).stepBatchSessions, 32);
    assert.throws(() => loadConfig({ STEP_BATCH_SESSIONS: '0' }), /STEP_BATCH_SESSIONS=0/);
    const small = await buildTestApp({ STEP_BATCH_SESSIONS: '2' });
    try {
      await (await freshSessionsToStep(small, 10))();
      const values = (await small.metrics.batchSize.get()).values.filter((v) => v.labels.model === 'gru');
      const count = values.find((v) => v.metricName === 'rnn_batch_size_count')!.value;
      const upTo2 = values.find((v) => v.metricName === 'rnn_batch_size_bucket' && v.labels.le === 2)!.value;
      assert.equal(upTo2, count, 'no engine run stepped more than 2 sessions');
      assert.ok(count >= 5, `10 steps in batches of at most 2 take at least 5 engine runs, took ${count}`);
    } finally {
      await small.close();
    }
  });
});

/**
 * Creates `count` sessions of the gru model and answers a function that steps each by the same
 * element at once (REST) and checks every answer is the one a predict of that element gave
 * (computed here, before: the caller may count the engine runs of the steps alone).
 */
async function freshSessionsToStep(app: Awaited<ReturnType<typeof buildTestApp>>, count: number): Promise<() => Promise<void>> {
  const inputs = [[0.5, -0.25, 0.125]];
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
    ids.push(String(created.json().session_id));
  }
  const alone = await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs } });
  return async () => {
    const responses = await Promise.all(ids.map((id) => app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs } })));
    for (const response of responses) assert.deepEqual(response.json().outputs, alone.json().outputs);
  };
}

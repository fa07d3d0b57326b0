import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StepBatcher } from '../../src/batching/step-batcher.js';
import { createNetwork } from '../../src/engine/index.js';
import type { NetworkSpec, SequenceResult } from '../../src/engine/types.js';
import { randomArray, randomWeights, seededRandom } from '../helpers/random-network.js';

const spec: NetworkSpec = {
  architecture: 'lstm',
  inputSize: 3,
  hiddenSize: 8,
  numLayers: 2,
  nonlinearity: 'tanh',
  outputSize: 2,
  hasHead: true,
  outputActivation: 'identity',
};

function makeNetwork(maxBatch = 16) {
  return createNetwork(spec, randomWeights(spec, 7), { maxBatch });
}

function assertClose(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 + 1e-5 * Math.abs(want[i]!), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
  }
}

function recordingObserver() {
  const batches: number[] = [];
  const queued: number[] = [];
  return {
    batches,
    queued,
    onBatch: (sessions: number) => batches.push(sessions),
    onQueued: (seconds: number) => queued.push(seconds),
  };
}

describe('StepBatcher', () => {
  it('runs a lone job as one whole sequence, without changing the caller state', async () => {
    const network = makeNetwork();
    const random = seededRandom(1);
    const state = randomArray(network.stateSize, random);
    const stateBefore = Float32Array.from(state);
    const inputs = randomArray(5 * spec.inputSize, random);
    const observer = recordingObserver();
    const batcher = new StepBatcher(network, { observer });
    const got = await batcher.run(state, inputs, 5);
    const want = network.runSequence(inputs, 5, state);
    assertClose(got.outputs, want.outputs, 'outputs');
    assertClose(got.state, want.state, 'state');
    assert.deepEqual(state, stateBefore);
    assert.deepEqual(observer.batches, [1]);
    assert.equal(observer.queued.length, 1);
  });

  it('batches concurrent ragged jobs and gives each the result it would get alone', async () => {
    const network = makeNetwork(16);
    const random = seededRandom(2);
    const observer = recordingObserver();
    const batcher = new StepBatcher(network, { observer, maxBatch: 16 });
    const jobs = Array.from({ length: 40 }, (_, i) => {
      const steps = 1 + (i % 7);
      return { steps, state: randomArray(network.stateSize, random), inputs: randomArray(steps * spec.inputSize, random) };
    });
    const results = await Promise.all(jobs.map((job) => batcher.run(job.state, job.inputs, job.steps)));
    jobs.forEach((job, i) => {
      const want = network.runSequence(job.inputs, job.steps, job.state);
      assertClose(results[i]!.outputs, want.outputs, `job ${i} outputs`);
      assertClose(results[i]!.state, want.state, `job ${i} state`);
    });
    assert.ok(Math.max(...observer.batches) > 1, 'some engine run advanced several sessions together');
    assert.ok(Math.max(...observer.batches) <= 16, 'no batch exceeds maxBatch');
    assert.equal(observer.queued.length, jobs.length, 'every job reports its queueing time once');
  });

  it('lets single steps finish while a long sequence is still running', async () => {
    const network = makeNetwork();
    const random = seededRandom(3);
    const batcher = new StepBatcher(network, { maxStepsPerFlush: 4 });
    const order: string[] = [];
    const track = (name: string, promise: Promise<SequenceResult>) => promise.then((result) => (order.push(name), result));
    const zero = new Float32Array(network.stateSize);
    const longInputs = randomArray(50 * spec.inputSize, random);
    const long = track('long', batcher.run(zero, longInputs, 50));
    const short = track('short', batcher.run(zero, randomArray(spec.inputSize, random), 1));
    const [longResult] = await Promise.all([long, short]);
    assert.deepEqual(order, ['short', 'long']);
    const want = network.runSequence(longInputs, 50, zero);
    assertClose(longResult.outputs, want.outputs, 'long outputs');
    assertClose(longResult.state, want.state, 'long state');
  });
});

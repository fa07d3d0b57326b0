// Properties of the fast engine on its own: the batched step, the sequence path and single steps
// are the same computation; batch rows do not interact; the caller's arrays are used exactly as
// the RecurrentNetwork contract says. Paths sum products in different orders (4-row and 1-row
// kernels), so results are compared to float32 rounding, not bit for bit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createNetwork, stateSize } from '../src/engine/index.js';
import type { Architecture, NetworkSpec, OutputActivation, RecurrentNetwork } from '../src/engine/index.js';
import { randomFloats, randomWeights, seededRandom } from '../src/engine/random-weights.js';

const ABS = 1e-5;
const REL = 1e-5;

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= ABS + REL * Math.abs(expected[i]))) assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Random specs with sizes that are rarely multiples of the SIMD width (4) or panel width (8). */
const specArbitrary: fc.Arbitrary<NetworkSpec> = fc
  .record({
    architecture: fc.constantFrom<Architecture>('rnn', 'lstm', 'gru'),
    relu: fc.boolean(),
    inputSize: fc.integer({ min: 1, max: 17 }),
    hiddenSize: fc.integer({ min: 1, max: 19 }),
    numLayers: fc.integer({ min: 1, max: 3 }),
    headSize: fc.option(fc.integer({ min: 1, max: 11 }), { nil: undefined }),
    outputActivation: fc.constantFrom<OutputActivation>('identity', 'softmax', 'sigmoid'),
  })
  .map((r) => ({
    architecture: r.architecture,
    nonlinearity: r.relu ? 'relu' : 'tanh',
    inputSize: r.inputSize,
    hiddenSize: r.hiddenSize,
    numLayers: r.numLayers,
    hasHead: r.headSize !== undefined,
    outputSize: r.headSize ?? r.hiddenSize,
    outputActivation: r.outputActivation,
  }));

function network(spec: NetworkSpec, seed: number, maxBatch?: number): RecurrentNetwork {
  return createNetwork(spec, randomWeights(spec, seed), { maxBatch });
}

/** Steps each row of a batch alone (B = 1) and returns the stacked outputs and states. */
function stepRowsAlone(net: RecurrentNetwork, batch: number, x: Float32Array, states: Float32Array) {
  const { inputSize: I, outputSize: O } = net.spec;
  const S = net.stateSize;
  const outputs = new Float32Array(batch * O);
  const newStates = states.slice(0, batch * S);
  for (let b = 0; b < batch; b++) {
    const state = newStates.slice(b * S, (b + 1) * S);
    const output = new Float32Array(O);
    net.stepBatch(1, x.slice(b * I, (b + 1) * I), state, output);
    newStates.set(state, b * S);
    outputs.set(output, b * O);
  }
  return { outputs, states: newStates };
}

describe('fast engine properties', () => {
  it('T chained single steps equal one runSequence', () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(1e6), fc.integer({ min: 0, max: 12 }), fc.boolean(), (spec, seed, T, fromState) => {
        const net = network(spec, seed);
        const random = seededRandom(seed + 1);
        const inputs = randomFloats(T * spec.inputSize, 1.5, random);
        const initial = fromState ? randomFloats(net.stateSize, 0.9, random) : undefined;
        const sequence = net.runSequence(inputs, T, initial);

        const state = initial?.slice() ?? new Float32Array(net.stateSize);
        const output = new Float32Array(spec.outputSize);
        for (let t = 0; t < T; t++) {
          net.stepBatch(1, inputs.slice(t * spec.inputSize, (t + 1) * spec.inputSize), state, output);
          assertClose(output, sequence.outputs.subarray(t * spec.outputSize, (t + 1) * spec.outputSize), `y_${t}`);
        }
        assertClose(state, sequence.state, 'final state');
      }),
      { numRuns: 100 },
    );
  });

  it('a batch stepped together equals each sequence stepped alone, up to maxBatch', () => {
    fc.assert(
      fc.property(
        specArbitrary,
        fc.nat(1e6),
        fc.integer({ min: 1, max: 21 }).chain((maxBatch) => fc.tuple(fc.constant(maxBatch), fc.integer({ min: 1, max: maxBatch }))),
        (spec, seed, [maxBatch, batch]) => {
          const net = network(spec, seed, maxBatch);
          const random = seededRandom(seed + 2);
          const x = randomFloats(batch * spec.inputSize, 1.5, random);
          const states = randomFloats(batch * net.stateSize, 0.9, random);
          const alone = stepRowsAlone(net, batch, x, states);
          const outputs = new Float32Array(batch * spec.outputSize);
          net.stepBatch(batch, x, states, outputs);
          assertClose(outputs, alone.outputs, 'outputs');
          assertClose(states, alone.states, 'states');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('full and nearly full default batches (64) equal rows stepped alone', () => {
    for (const architecture of ['rnn', 'lstm', 'gru'] as const) {
      const spec: NetworkSpec = {
        architecture, nonlinearity: 'tanh', inputSize: 7, hiddenSize: 13, numLayers: 2,
        hasHead: true, outputSize: 5, outputActivation: 'softmax',
      };
      const net = network(spec, 5);
      assert.equal(net.maxBatch, 64);
      for (const batch of [61, 62, 63, 64]) {
        const random = seededRandom(batch);
        const x = randomFloats(batch * spec.inputSize, 1.5, random);
        const states = randomFloats(batch * net.stateSize, 0.9, random);
        const alone = stepRowsAlone(net, batch, x, states);
        const outputs = new Float32Array(batch * spec.outputSize);
        net.stepBatch(batch, x, states, outputs);
        assertClose(outputs, alone.outputs, `${architecture} B=${batch} outputs`);
        assertClose(states, alone.states, `${architecture} B=${batch} states`);
      }
    }
  });

  it('runSequence never modifies the caller’s initialState or inputs', () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(1e6), fc.integer({ min: 0, max: 8 }), (spec, seed, T) => {
        const net = network(spec, seed);
        const random = seededRandom(seed);
        const inputs = randomFloats(T * spec.inputSize, 1.5, random);
        const initial = randomFloats(net.stateSize, 0.9, random);
        const [inputsBefore, initialBefore] = [inputs.slice(), initial.slice()];
        const result = net.runSequence(inputs, T, initial);
        assert.deepEqual(initial, initialBefore);
        assert.deepEqual(inputs, inputsBefore);
        assert.notEqual(result.state, initial);
        assert.equal(result.state.length, stateSize(spec));
        assert.equal(result.outputs.length, T * spec.outputSize);
      }),
      { numRuns: 50 },
    );
  });

  it('stepBatch overwrites exactly the batch’s states and outputs, and reads x only', () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(1e6), fc.integer({ min: 0, max: 9 }), (spec, seed, batch) => {
        const net = network(spec, seed, 9);
        const { inputSize: I, outputSize: O } = spec;
        const S = net.stateSize;
        const random = seededRandom(seed);
        // Arrays longer than the batch needs: what lies past it must be left alone.
        const x = randomFloats((batch + 1) * I, 1.5, random);
        const states = randomFloats((batch + 1) * S, 0.9, random);
        const outputs = new Float32Array((batch + 1) * O).fill(42);
        const [xBefore, statesBefore] = [x.slice(), states.slice()];
        const expected = stepRowsAlone(net, batch, x, states);

        assert.equal(net.stepBatch(batch, x, states, outputs), undefined);
        assert.deepEqual(x, xBefore);
        assertClose(states.subarray(0, batch * S), expected.states, 'new states');
        assert.deepEqual(states.subarray(batch * S), statesBefore.subarray(batch * S));
        assertClose(outputs.subarray(0, batch * O), expected.outputs, 'outputs');
        assert.ok(outputs.subarray(batch * O).every((v) => v === 42), 'outputs past the batch untouched');
      }),
      { numRuns: 50 },
    );
  });

  it('calls leave nothing behind: repeating a call repeats its result exactly', () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(1e6), fc.integer({ min: 1, max: 6 }), (spec, seed, T) => {
        const net = network(spec, seed, 4);
        const random = seededRandom(seed);
        const inputs = randomFloats(T * spec.inputSize, 1.5, random);
        const other = randomFloats(T * spec.inputSize, 1.5, random);
        const first = net.runSequence(inputs, T);
        net.runSequence(other, T, randomFloats(net.stateSize, 0.9, random));
        net.stepBatch(4, randomFloats(4 * spec.inputSize, 1, random), randomFloats(4 * net.stateSize, 1, random),
          new Float32Array(4 * spec.outputSize));
        const again = net.runSequence(inputs, T);
        assert.deepEqual(again.outputs, first.outputs);
        assert.deepEqual(again.state, first.state);
      }),
      { numRuns: 50 },
    );
  });

  it('outputs are probabilities under softmax and sigmoid', () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(1e6), (spec, seed) => {
        for (const outputActivation of ['softmax', 'sigmoid'] as const) {
          const s = { ...spec, outputActivation };
          // Large weights push pre-activations far out: the stable forms must not give NaN or inf.
          const net = createNetwork(s, randomWeights(s, seed, 40));
          const { outputs } = net.runSequence(randomFloats(3 * s.inputSize, 20, seededRandom(seed)), 3);
          assert.ok(outputs.every((v) => v >= 0 && v <= 1), 'in [0, 1]');
          if (outputActivation === 'softmax') {
            for (let t = 0; t < 3; t++) {
              const sum = outputs.subarray(t * s.outputSize, (t + 1) * s.outputSize).reduce((a, v) => a + v, 0);
              assert.ok(Math.abs(sum - 1) < 1e-5, `row ${t} sums to ${sum}`);
            }
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});

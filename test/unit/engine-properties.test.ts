// Properties of the fast engine on its own: the batched step, the sequence path and single steps
// are the same computation, to the last bit; batch rows do not interact; the caller's arrays are
// used exactly as the RecurrentNetwork contract says.
//
// Bit-for-bit, not to a tolerance: the server batches concurrent sessions' steps (stepBatch for
// several, runSequence for a lone job), so a session's state and a seeded generation must not
// depend on what else the server was doing at the time (see the gemm comment in asm/kernels.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createNetwork, stateSize } from '../../src/engine/index.js';
import type { Architecture, NetworkSpec, OutputActivation, RecurrentNetwork } from '../../src/engine/index.js';
import { SEQUENCE_CHUNK } from '../../src/engine/network.js';
import { randomFloats, randomWeights, seededRandom } from '../../src/engine/random-weights.js';

/** Fails on the first value whose float32 bits differ (Object.is: tells -0 from 0, NaN equals NaN). */
function assertSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (differ by ${actual[i] - expected[i]})`);
    }
  }
}

/** Random specs with sizes that are rarely multiples of the SIMD width (4) or panel width (16). */
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

/** Element t of a steps x width row-major array (a copy, so no call sees a longer view). */
function row(values: Float32Array, t: number, width: number): Float32Array {
  return values.slice(t * width, (t + 1) * width);
}

/** The yardstick: the sequence stepped one element at a time, alone (stepBatch with batch 1). */
function chainedSteps(net: RecurrentNetwork, inputs: Float32Array, steps: number, initial?: Float32Array) {
  const { inputSize: I, outputSize: O } = net.spec;
  const state = initial?.slice() ?? new Float32Array(net.stateSize);
  const outputs = new Float32Array(steps * O);
  const states: Float32Array[] = [];
  const output = new Float32Array(O);
  for (let t = 0; t < steps; t++) {
    net.stepBatch(1, row(inputs, t, I), state, output);
    outputs.set(output, t * O);
    states.push(state.slice());
  }
  return { outputs, state, states };
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
    net.stepBatch(1, row(x, b, I), state, output);
    newStates.set(state, b * S);
    outputs.set(output, b * O);
  }
  return { outputs, states: newStates };
}

/**
 * One step of the sequence as row `position` of a batch of `batch` rows whose other rows hold
 * unrelated inputs and states; writes the row's new state into `state` and its output into `output`.
 */
function stepInBatch(
  net: RecurrentNetwork, batch: number, position: number, x: Float32Array, state: Float32Array,
  output: Float32Array, random: () => number,
): void {
  const { inputSize: I, outputSize: O } = net.spec;
  const S = net.stateSize;
  const xs = randomFloats(batch * I, 1.5, random);
  const states = randomFloats(batch * S, 0.9, random);
  xs.set(x, position * I);
  states.set(state, position * S);
  const outputs = new Float32Array(batch * O);
  net.stepBatch(batch, xs, states, outputs);
  state.set(states.subarray(position * S, (position + 1) * S));
  output.set(outputs.subarray(position * O, (position + 1) * O));
}

describe('fast engine properties', () => {
  it('T chained single steps give the same bits as one runSequence', () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(1e6), fc.integer({ min: 0, max: 12 }), fc.boolean(), (spec, seed, T, fromState) => {
        const net = network(spec, seed);
        const random = seededRandom(seed + 1);
        const inputs = randomFloats(T * spec.inputSize, 1.5, random);
        const initial = fromState ? randomFloats(net.stateSize, 0.9, random) : undefined;
        const sequence = net.runSequence(inputs, T, initial);
        const steps = chainedSteps(net, inputs, T, initial);
        assertSameBits(sequence.outputs, steps.outputs, 'outputs');
        assertSameBits(sequence.state, steps.state, 'final state');
      }),
      { numRuns: 100 },
    );
  });

  it(`a runSequence longer than SEQUENCE_CHUNK (${SEQUENCE_CHUNK}) gives the same bits as chained steps`, () => {
    fc.assert(
      fc.property(
        specArbitrary,
        fc.nat(1e6),
        fc.integer({ min: SEQUENCE_CHUNK + 1, max: 2 * SEQUENCE_CHUNK + 3 }),
        (spec, seed, T) => {
          const net = network(spec, seed);
          const random = seededRandom(seed + 3);
          const inputs = randomFloats(T * spec.inputSize, 1.5, random);
          const initial = randomFloats(net.stateSize, 0.9, random);
          const sequence = net.runSequence(inputs, T, initial);
          const steps = chainedSteps(net, inputs, T, initial);
          assertSameBits(sequence.outputs, steps.outputs, 'outputs');
          assertSameBits(sequence.state, steps.state, 'final state');
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a row gives the same bits alone as at any position of any batch, step after step', () => {
    fc.assert(
      fc.property(
        specArbitrary,
        fc.nat(1e6),
        // Per step: the batch size and the row's position in it (as a fraction of the batch).
        fc.array(fc.tuple(fc.integer({ min: 1, max: 21 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })),
          { minLength: 1, maxLength: 6 }),
        (spec, seed, schedule) => {
          const net = network(spec, seed, 21);
          const random = seededRandom(seed + 4);
          const T = schedule.length;
          const inputs = randomFloats(T * spec.inputSize, 1.5, random);
          const initial = randomFloats(net.stateSize, 0.9, random);
          const alone = chainedSteps(net, inputs, T, initial);

          const state = initial.slice();
          const output = new Float32Array(spec.outputSize);
          schedule.forEach(([batch, where], t) => {
            const position = Math.floor(where * batch);
            stepInBatch(net, batch, position, row(inputs, t, spec.inputSize), state, output, random);
            const at = `step ${t}, row ${position} of ${batch}`;
            assertSameBits(output, row(alone.outputs, t, spec.outputSize), `${at}: output`);
            assertSameBits(state, alone.states[t], `${at}: state`);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a sequence split into runSequence pieces and batched steps gives the same bits as chained steps', () => {
    // What the step batcher does to a session: some elements go through runSequence (a lone
    // job's run), others through stepBatch alongside other sessions, in any order.
    const segment = fc.record({
      length: fc.integer({ min: 1, max: 5 }),
      batch: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }), // undefined: runSequence
      where: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
    });
    fc.assert(
      fc.property(specArbitrary, fc.nat(1e6), fc.array(segment, { minLength: 1, maxLength: 5 }), (spec, seed, segments) => {
        const net = network(spec, seed, 9);
        const { inputSize: I, outputSize: O } = spec;
        const random = seededRandom(seed + 5);
        const T = segments.reduce((sum, s) => sum + s.length, 0);
        const inputs = randomFloats(T * I, 1.5, random);
        const alone = chainedSteps(net, inputs, T);

        let state: Float32Array = new Float32Array(net.stateSize);
        const outputs = new Float32Array(T * O);
        let t = 0;
        for (const { length, batch, where } of segments) {
          if (batch === undefined) {
            const result = net.runSequence(inputs.slice(t * I, (t + length) * I), length, state);
            outputs.set(result.outputs, t * O);
            state = result.state;
          } else {
            const output = new Float32Array(O);
            for (let k = 0; k < length; k++) {
              stepInBatch(net, batch, Math.floor(where * batch), row(inputs, t + k, I), state, output, random);
              outputs.set(output, (t + k) * O);
            }
          }
          t += length;
        }
        assertSameBits(outputs, alone.outputs, 'outputs');
        assertSameBits(state, alone.state, 'final state');
      }),
      { numRuns: 100 },
    );
  });

  it('full and nearly full default batches (64) give the same bits as rows stepped alone', () => {
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
        assertSameBits(outputs, alone.outputs, `${architecture} B=${batch} outputs`);
        assertSameBits(states, alone.states, `${architecture} B=${batch} states`);
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
        assertSameBits(states.subarray(0, batch * S), expected.states, 'new states');
        assert.deepEqual(states.subarray(batch * S), statesBefore.subarray(batch * S));
        assertSameBits(outputs.subarray(0, batch * O), expected.outputs, 'outputs');
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
        assertSameBits(again.outputs, first.outputs, 'outputs');
        assertSameBits(again.state, first.state, 'state');
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

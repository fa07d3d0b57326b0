// Reverse and bidirectional networks composed of per-direction forward networks
// (src/engine/bidirectional.ts) agree with the reference engine's direct transcription of
// PyTorch's bidirectional layers, on random networks of every cell (the GRU with the reset
// before the product too), 1-3 layers, with and without a head and a start state; and the GRU
// with the reset before the product agrees between the wasm engine and the reference, with
// stepBatch giving exactly runSequence's bits.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createDirectionalNetwork,
  createNetwork,
  createReferenceNetwork,
  randomWeights,
  stateSize,
  validateNetwork,
  withDirectionalLayers,
  type Architecture,
  type Direction,
  type NetworkSpec,
} from '../../src/engine/index.js';
import { randomFloats, seededRandom } from '../../src/engine/random-weights.js';

/** Float32 against float64: the relative part scales with the array's largest value (see engine-agreement). */
function assertClose(actual: Float32Array, expected: Float32Array, what: string, abs = 1e-5, rel = 1e-5): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const magnitude = expected.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i]! - expected[i]!) <= abs + rel * magnitude)) {
      assert.fail(`${what}[${i}]: got ${actual[i]}, reference ${expected[i]}`);
    }
  }
}

interface Shape {
  architecture: Architecture;
  resetBefore: boolean;
  direction: Direction;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  headSize?: number;
  relu: boolean;
}

function specOf(shape: Shape): NetworkSpec {
  const D = shape.direction === 'bidirectional' ? 2 : 1;
  return {
    architecture: shape.architecture,
    nonlinearity: shape.architecture === 'rnn' && shape.relu ? 'relu' : 'tanh',
    inputSize: shape.inputSize,
    hiddenSize: shape.hiddenSize,
    numLayers: shape.numLayers,
    hasHead: shape.headSize !== undefined,
    outputSize: shape.headSize ?? D * shape.hiddenSize,
    outputActivation: shape.headSize !== undefined ? 'softmax' : 'identity',
    direction: shape.direction,
    ...(shape.architecture === 'gru' && shape.resetBefore ? { gruResetBeforeProduct: true } : {}),
  };
}

const shapes = fc.record({
  architecture: fc.constantFrom<Architecture>('rnn', 'lstm', 'gru'),
  resetBefore: fc.boolean(),
  direction: fc.constantFrom<Direction>('bidirectional', 'reverse'),
  inputSize: fc.integer({ min: 1, max: 7 }),
  hiddenSize: fc.integer({ min: 1, max: 19 }),
  numLayers: fc.integer({ min: 1, max: 3 }),
  headSize: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  relu: fc.boolean(),
});

describe('reverse and bidirectional networks', () => {
  it('composed of wasm forward layers, they agree with the reference on random networks and states', () => {
    fc.assert(
      fc.property(shapes, fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.nat(), (shape, steps, withState, seed) => {
        const spec = specOf(shape);
        const weights = randomWeights(spec, seed);
        const random = seededRandom(seed + 1);
        const inputs = randomFloats(steps * spec.inputSize, 1, random);
        const state = withState ? randomFloats(stateSize(spec), 0.5, random) : undefined;
        const reference = createReferenceNetwork(spec, weights).runSequence(inputs, steps, state);
        const composed = createDirectionalNetwork(spec, weights, createNetwork).runSequence(inputs, steps, state);
        assertClose(composed.outputs, reference.outputs, 'outputs');
        assertClose(composed.state, reference.state, 'state');
        // Composed of reference layers, the composition itself adds no error.
        const exact = createDirectionalNetwork(spec, weights, createReferenceNetwork).runSequence(inputs, steps, state);
        assertClose(exact.outputs, reference.outputs, 'outputs (reference layers)', 1e-6, 1e-6);
      }),
      { numRuns: 150 },
    );
  });

  it('a bidirectional layer\'s output is forward then backward halves: the reverse half at t = 0 has read everything', () => {
    const spec = specOf({ architecture: 'gru', resetBefore: false, direction: 'bidirectional', inputSize: 2, hiddenSize: 3, numLayers: 1, relu: false });
    const weights = randomWeights(spec, 3);
    const network = createDirectionalNetwork(spec, weights, createNetwork);
    const inputs = randomFloats(5 * 2, 1, seededRandom(4));
    const whole = network.runSequence(inputs, 5).outputs;
    const prefix = network.runSequence(inputs.subarray(0, 3 * 2), 3).outputs;
    // Forward half at t < 3 depends only on the prefix; the backward half does not.
    assertClose(whole.subarray(0, 3), prefix.subarray(0, 3), 'forward half at t = 0');
    assert.notDeepEqual(Array.from(whole.subarray(3, 6)), Array.from(prefix.subarray(3, 6)));
    // The reverse direction alone is that half of the bidirectional layer.
    const reverse = createDirectionalNetwork(
      { ...spec, direction: 'reverse', outputSize: 3 },
      { layers: weights.reverseLayers! },
      createNetwork,
    ).runSequence(inputs, 5).outputs;
    for (let t = 0; t < 5; t++) assertClose(whole.subarray(t * 6 + 3, t * 6 + 6), reverse.subarray(t * 3, t * 3 + 3), `t = ${t}`);
  });

  it('has no stepBatch: one element cannot be computed before the sequence ends', () => {
    const spec = specOf({ architecture: 'lstm', resetBefore: false, direction: 'bidirectional', inputSize: 2, hiddenSize: 3, numLayers: 2, relu: false });
    const weights = randomWeights(spec, 5);
    for (const network of [createDirectionalNetwork(spec, weights, createNetwork), createReferenceNetwork(spec, weights)]) {
      assert.throws(() => network.stepBatch(1, new Float32Array(2), new Float32Array(network.stateSize), new Float32Array(3)), /needs whole sequences/);
    }
    assert.equal(stateSize(spec), 2 * 2 * 2 * 3);
  });

  it('createNetwork builds forward networks only; withDirectionalLayers routes the others', () => {
    const spec = specOf({ architecture: 'rnn', resetBefore: false, direction: 'bidirectional', inputSize: 2, hiddenSize: 3, numLayers: 1, relu: false });
    const weights = randomWeights(spec, 6);
    assert.throws(() => createNetwork(spec, weights), /builds forward networks/);
    assert.equal(withDirectionalLayers(createNetwork)(spec, weights, {}).maxBatch, 1);
    // Any engine that validates with the base features (as one written before these specs would)
    // refuses the spec itself, and serves it once composed.
    const baseOnly = (s: NetworkSpec, w: typeof weights) => {
      validateNetwork(s, w);
      return createReferenceNetwork(s, w);
    };
    assert.throws(() => baseOnly(spec, weights), /this engine builds forward networks; a bidirectional one is composed/);
    const inputs = randomFloats(4 * 2, 1, seededRandom(8));
    assertClose(
      withDirectionalLayers(baseOnly)(spec, weights, {}).runSequence(inputs, 4).outputs,
      createReferenceNetwork(spec, weights).runSequence(inputs, 4).outputs,
      'composed of a base-features engine',
      1e-6,
      1e-6,
    );
  });

  it('checks reverse weights against the spec', () => {
    const spec = specOf({ architecture: 'gru', resetBefore: false, direction: 'bidirectional', inputSize: 2, hiddenSize: 3, numLayers: 2, relu: false });
    const weights = randomWeights(spec, 7);
    assert.throws(() => createReferenceNetwork(spec, { ...weights, reverseLayers: weights.reverseLayers!.slice(1) }), /needs 2 reverseLayers, got 1/);
    const narrow = { ...weights.layers[1]!, weightIh: new Float32Array(9 * 3) };
    assert.throws(() => createReferenceNetwork(spec, { ...weights, layers: [weights.layers[0]!, narrow] }), /layer 1 weightIh has 27 values, expected 54 \(9 x 6\)/);
  });
});

describe('GRU with the reset gate before the recurrent product (ONNX linear_before_reset=0)', () => {
  const gruShapes = fc.record({
    inputSize: fc.integer({ min: 1, max: 9 }),
    hiddenSize: fc.integer({ min: 1, max: 37 }),
    numLayers: fc.integer({ min: 1, max: 3 }),
    headSize: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  });
  const specFor = (s: { inputSize: number; hiddenSize: number; numLayers: number; headSize?: number | undefined }): NetworkSpec => ({
    architecture: 'gru',
    nonlinearity: 'tanh',
    inputSize: s.inputSize,
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    hasHead: s.headSize !== undefined,
    outputSize: s.headSize ?? s.hiddenSize,
    outputActivation: 'identity',
    gruResetBeforeProduct: true,
  });

  it('the wasm engine agrees with the reference, and stepBatch gives runSequence\'s exact bits at any batch row', () => {
    fc.assert(
      fc.property(gruShapes, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 5 }), fc.nat(), (shape, steps, batch, seed) => {
        const spec = specFor(shape);
        const weights = randomWeights(spec, seed);
        const random = seededRandom(seed + 9);
        const fast = createNetwork(spec, weights, { maxBatch: 8 });
        const reference = createReferenceNetwork(spec, weights);
        const sequences = Array.from({ length: batch }, () => randomFloats(steps * spec.inputSize, 1, random));
        const S = fast.stateSize;
        const states = new Float32Array(batch * S);
        const x = new Float32Array(batch * spec.inputSize);
        const y = new Float32Array(batch * spec.outputSize);
        const stepped = sequences.map(() => new Float32Array(steps * spec.outputSize));
        for (let t = 0; t < steps; t++) {
          sequences.forEach((seq, b) => x.set(seq.subarray(t * spec.inputSize, (t + 1) * spec.inputSize), b * spec.inputSize));
          fast.stepBatch(batch, x, states, y);
          stepped.forEach((out, b) => out.set(y.subarray(b * spec.outputSize, (b + 1) * spec.outputSize), t * spec.outputSize));
        }
        sequences.forEach((seq, b) => {
          const whole = fast.runSequence(seq, steps);
          assert.deepEqual(stepped[b], whole.outputs, 'stepBatch and runSequence bits');
          assert.deepEqual(states.subarray(b * S, (b + 1) * S), whole.state, 'stepBatch and runSequence state bits');
          const expected = reference.runSequence(seq, steps);
          assertClose(whole.outputs, expected.outputs, 'outputs');
          assertClose(whole.state, expected.state, 'state');
        });
      }),
      { numRuns: 120 },
    );
  });

  it('differs from PyTorch\'s GRU (the reset gate is applied elsewhere)', () => {
    const spec = specFor({ inputSize: 3, hiddenSize: 5, numLayers: 1 });
    const weights = randomWeights(spec, 11);
    const inputs = randomFloats(4 * 3, 1, seededRandom(12));
    const before = createNetwork(spec, weights).runSequence(inputs, 4).outputs;
    const after = createNetwork({ ...spec, gruResetBeforeProduct: false }, weights).runSequence(inputs, 4).outputs;
    assert.ok(before.some((v, i) => Math.abs(v - after[i]!) > 1e-3), 'the two cells give the same outputs');
  });
});

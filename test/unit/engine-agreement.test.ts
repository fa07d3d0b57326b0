// The fast engine (wasm SIMD, float32) agrees with the reference implementation (plain loops,
// float64 inside a step) on random networks: every architecture, 1-3 layers, with and without a
// head, every output activation, token embeddings, odd sizes and sequences longer than one chunk.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createNetwork, createReferenceNetwork, stateSize } from '../../src/engine/index.js';
import type { Architecture, NetworkSpec, Nonlinearity, OutputActivation } from '../../src/engine/index.js';
import { SEQUENCE_CHUNK } from '../../src/engine/network.js';
import { randomFloats, randomWeights, seededRandom } from '../../src/engine/random-weights.js';

const ABS = 1e-5;
const REL = 1e-5;

/**
 * Float32 against float64: the error of a value is relative to the magnitude of the terms it was
 * summed from, not to the value itself (a ReLU network with large weights can produce 0.02 as
 * the difference of terms near 100). So the relative part of the tolerance scales with the
 * largest expected value of the array.
 */
function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const magnitude = expected.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= ABS + REL * magnitude)) {
      assert.fail(`${what}[${i}]: fast ${actual[i]}, reference ${expected[i]}`);
    }
  }
}

interface Shape {
  architecture: Architecture;
  nonlinearity?: Nonlinearity;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  headSize?: number;
  outputActivation?: OutputActivation;
  vocabSize?: number;
}

function makeSpec(shape: Shape): NetworkSpec {
  return {
    architecture: shape.architecture,
    nonlinearity: shape.nonlinearity ?? 'tanh',
    inputSize: shape.inputSize,
    hiddenSize: shape.hiddenSize,
    numLayers: shape.numLayers,
    hasHead: shape.headSize !== undefined,
    outputSize: shape.headSize ?? shape.hiddenSize,
    outputActivation: shape.outputActivation ?? 'identity',
    vocabSize: shape.vocabSize,
  };
}

/** Runs one sequence and one batched step through both engines and compares every number. */
function checkAgreement(spec: NetworkSpec, seed: number, steps: number, batch: number, scale = 1): void {
  const weights = randomWeights(spec, seed, scale);
  const fast = createNetwork(spec, weights);
  const reference = createReferenceNetwork(spec, weights);
  const random = seededRandom(seed + 1);
  const S = stateSize(spec);

  const inputs = randomFloats(steps * spec.inputSize, 1.5, random);
  const initial = randomFloats(S, 0.9, random);
  const fromZero = [fast.runSequence(inputs, steps), reference.runSequence(inputs, steps)];
  assertClose(fromZero[0].outputs, fromZero[1].outputs, 'runSequence outputs');
  assertClose(fromZero[0].state, fromZero[1].state, 'runSequence state');
  const fromState = [fast.runSequence(inputs, steps, initial), reference.runSequence(inputs, steps, initial)];
  assertClose(fromState[0].outputs, fromState[1].outputs, 'runSequence outputs from a state');
  assertClose(fromState[0].state, fromState[1].state, 'runSequence state from a state');

  const x = randomFloats(batch * spec.inputSize, 1.5, random);
  const states = randomFloats(batch * S, 0.9, random);
  const referenceStates = states.slice();
  const outputs = new Float32Array(batch * spec.outputSize);
  const referenceOutputs = new Float32Array(batch * spec.outputSize);
  fast.stepBatch(batch, x, states, outputs);
  reference.stepBatch(batch, x, referenceStates, referenceOutputs);
  assertClose(outputs, referenceOutputs, 'stepBatch outputs');
  assertClose(states, referenceStates, 'stepBatch states');
}

const CELLS: ReadonlyArray<Pick<Shape, 'architecture' | 'nonlinearity'>> = [
  { architecture: 'rnn', nonlinearity: 'tanh' },
  { architecture: 'rnn', nonlinearity: 'relu' },
  { architecture: 'lstm' },
  { architecture: 'gru' },
];
const ACTIVATIONS: readonly OutputActivation[] = ['identity', 'softmax', 'sigmoid'];

describe('fast engine agrees with the reference', () => {
  for (const cell of CELLS) {
    const name = cell.nonlinearity === undefined ? cell.architecture : `${cell.architecture} ${cell.nonlinearity}`;
    it(`${name}: 1-3 layers, with and without a head, every output activation`, () => {
      let seed = 100;
      for (let numLayers = 1; numLayers <= 3; numLayers++) {
        for (const headSize of [undefined, 6]) {
          for (const outputActivation of ACTIVATIONS) {
            const spec = makeSpec({ ...cell, inputSize: 5, hiddenSize: 7, numLayers, headSize, outputActivation });
            checkAgreement(spec, seed++, 9, 5);
          }
        }
      }
    });
  }

  it('on random shapes, odd sizes included (property)', () => {
    const shape = fc.record({
      architecture: fc.constantFrom<Architecture>('rnn', 'lstm', 'gru'),
      nonlinearity: fc.constantFrom<Nonlinearity>('tanh', 'relu'),
      inputSize: fc.integer({ min: 1, max: 19 }),
      hiddenSize: fc.integer({ min: 1, max: 23 }),
      numLayers: fc.integer({ min: 1, max: 3 }),
      headSize: fc.option(fc.integer({ min: 1, max: 17 }), { nil: undefined }),
      outputActivation: fc.constantFrom<OutputActivation>('identity', 'softmax', 'sigmoid'),
    });
    fc.assert(
      fc.property(
        shape,
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom(0.5, 1, 3),
        (s, seed, steps, batch, scale) => checkAgreement(makeSpec(s), seed, steps, batch, scale),
      ),
      { numRuns: 150 },
    );
  });

  it('on a ReLU network whose values grow to ~100 (a counterexample fast-check once found)', () => {
    const spec = makeSpec({ architecture: 'rnn', nonlinearity: 'relu', inputSize: 11, hiddenSize: 8, numLayers: 2 });
    checkAgreement(spec, 576154, 6, 1, 3);
  });

  it('at a size spanning many weight panels and row blocks', () => {
    checkAgreement(makeSpec({ architecture: 'lstm', inputSize: 70, hiddenSize: 97, numLayers: 2, headSize: 13 }), 7, 12, 64);
    checkAgreement(makeSpec({ architecture: 'gru', inputSize: 33, hiddenSize: 130, numLayers: 1 }), 8, 12, 61);
  });

  it('over sequences longer than one projection chunk', () => {
    for (const architecture of ['rnn', 'lstm', 'gru'] as const) {
      const spec = makeSpec({ architecture, inputSize: 3, hiddenSize: 6, numLayers: 2, headSize: 2 });
      checkAgreement(spec, 21, 2 * SEQUENCE_CHUNK + 37, 1);
    }
  });

  it('for token models, through the embedding', () => {
    const spec = makeSpec({
      architecture: 'gru', inputSize: 5, hiddenSize: 8, numLayers: 1, headSize: 12,
      outputActivation: 'softmax', vocabSize: 12,
    });
    const weights = randomWeights(spec, 3);
    const fast = createNetwork(spec, weights);
    const reference = createReferenceNetwork(spec, weights);
    const tokens = [0, 4, 11, 4, 7];
    const embedded = fast.embed(tokens);
    assert.deepEqual(embedded, reference.embed(tokens));
    assert.deepEqual(embedded.subarray(10, 15), weights.embedding?.subarray(55, 60));
    const [got, want] = [fast.runSequence(embedded, tokens.length), reference.runSequence(embedded, tokens.length)];
    assertClose(got.outputs, want.outputs, 'token outputs');
    assertClose(got.state, want.state, 'token state');
  });
});

describe('construction and argument errors', () => {
  const spec = makeSpec({ architecture: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 2, headSize: 2, vocabSize: 5 });

  for (const [name, create] of [['fast', createNetwork], ['reference', createReferenceNetwork]] as const) {
    it(`${name}: a weight of the wrong length is named`, () => {
      const weights = randomWeights(spec, 1);
      const layers = [weights.layers[0], { ...weights.layers[1], weightHh: new Float32Array(63) }];
      assert.throws(() => create(spec, { ...weights, layers }), /layer 1 weightHh has 63 values, expected 64 \(16 x 4\)/);
      assert.throws(() => create(spec, { ...weights, head: undefined }), /head is missing/);
      assert.throws(() => create(spec, { ...weights, embedding: new Float32Array(3) }), /embedding has 3 values/);
    });

    it(`${name}: bad calls throw a clear error`, () => {
      const net = create(spec, randomWeights(spec, 1));
      assert.throws(() => net.embed([0, 5]), /token id 5 at position 1 is outside 0..4/);
      assert.throws(() => net.embed([1.5]), /token id 1.5/);
      assert.throws(() => net.runSequence(new Float32Array(5), 2), /inputs has 5 values, need 6/);
      assert.throws(() => net.runSequence(new Float32Array(6), 2, new Float32Array(3)), /initialState has 3 values, expected 16/);
      assert.throws(() => net.runSequence(new Float32Array(6), 1.5), /steps must be a non-negative integer/);
      assert.throws(() => net.stepBatch(2, new Float32Array(6), new Float32Array(31), new Float32Array(4)), /states has 31 values/);
      assert.throws(() => net.stepBatch(2, new Float32Array(5), new Float32Array(32), new Float32Array(4)), /x has 5 values/);
      assert.throws(() => net.stepBatch(2, new Float32Array(6), new Float32Array(32), new Float32Array(3)), /outputs has 3 values/);
    });
  }

  it('fast: maxBatch is checked and enforced', () => {
    const weights = randomWeights(spec, 1);
    assert.throws(() => createNetwork(spec, weights, { maxBatch: 0 }), /maxBatch must be an integer/);
    const net = createNetwork(spec, weights, { maxBatch: 3 });
    assert.equal(net.maxBatch, 3);
    assert.throws(() => net.stepBatch(4, new Float32Array(12), new Float32Array(64), new Float32Array(8)), /batch must be an integer in 0..3/);
  });
});

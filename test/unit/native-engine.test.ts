// The native engine (native/, C++ over the CPU's SIMD) on every instruction set this CPU runs:
// each ISA's kernels forced in turn (RNN_ENGINE_ISA does the same for the server) must give the
// same bits as every other, for outputs and states, through runSequence (whole and longer than a
// chunk) and stepBatch (at any batch size, so every register-block shape of the kernels is used);
// and every ISA agrees with the float64 reference within the agreement tolerance.
//
// On a machine where the addon could not be built (no C++ toolchain) the ISA list is empty and
// only the selection tests run: they then check the fallback to the wasm engine instead.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { createReferenceNetwork, selectEngine, stateSize } from '../../src/engine/index.js';
import type { Architecture, NetworkSpec, OutputActivation, RecurrentNetwork } from '../../src/engine/index.js';
import { loadNativeAddon } from '../../src/engine/native-addon.js';
import { createNativeNetwork } from '../../src/engine/native-network.js';
import { SEQUENCE_CHUNK } from '../../src/engine/network.js';
import { randomFloats, randomWeights, seededRandom } from '../../src/engine/random-weights.js';

const load = loadNativeAddon();
const addon = 'addon' in load ? load.addon : undefined;
const isas = addon?.supportedIsas ?? [];

function assertSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** The agreement test's tolerance: float32 against float64, relative to the array's magnitude. */
function assertClose(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const magnitude = expected.reduce((max, value) => Math.max(max, Math.abs(value)), 0);
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= 1e-5 + 1e-5 * magnitude)) {
      assert.fail(`${what}[${i}]: native ${actual[i]}, reference ${expected[i]}`);
    }
  }
}

/** Sizes around the kernels' edges: vector widths 8 and 16, panels of 16, blocks of 6 and 8 rows. */
const specArbitrary: fc.Arbitrary<NetworkSpec> = fc
  .record({
    architecture: fc.constantFrom<Architecture>('rnn', 'lstm', 'gru'),
    relu: fc.boolean(),
    resetBefore: fc.boolean(), // GRU: ONNX linear_before_reset=0
    inputSize: fc.integer({ min: 1, max: 40 }),
    hiddenSize: fc.integer({ min: 1, max: 70 }),
    numLayers: fc.integer({ min: 1, max: 3 }),
    headSize: fc.option(fc.integer({ min: 1, max: 35 }), { nil: undefined }),
    outputActivation: fc.constantFrom<OutputActivation>('identity', 'softmax', 'sigmoid'),
  })
  .map((r) => ({
    architecture: r.architecture,
    nonlinearity: r.relu ? ('relu' as const) : ('tanh' as const),
    inputSize: r.inputSize,
    hiddenSize: r.hiddenSize,
    numLayers: r.numLayers,
    hasHead: r.headSize !== undefined,
    outputSize: r.headSize ?? r.hiddenSize,
    outputActivation: r.outputActivation,
    ...(r.architecture === 'gru' && r.resetBefore ? { gruResetBeforeProduct: true } : {}),
  }));

interface Run {
  readonly outputs: Float32Array;
  readonly state: Float32Array;
  readonly batchOutputs: Float32Array;
  readonly batchStates: Float32Array;
}

/** A sequence from a given state and one batched step, on one network. */
function exercise(net: RecurrentNetwork, seed: number, steps: number, batch: number): Run {
  const random = seededRandom(seed + 1);
  const S = net.stateSize;
  const inputs = randomFloats(steps * net.spec.inputSize, 1.5, random);
  const initial = randomFloats(S, 0.9, random);
  const { outputs, state } = net.runSequence(inputs, steps, initial);
  const x = randomFloats(batch * net.spec.inputSize, 1.5, random);
  const batchStates = randomFloats(batch * S, 0.9, random);
  const batchOutputs = new Float32Array(batch * net.spec.outputSize);
  net.stepBatch(batch, x, batchStates, batchOutputs);
  return { outputs, state, batchOutputs, batchStates };
}

describe('native engine: every ISA gives the same bits', () => {
  it(`runs on ${isas.length === 0 ? 'no ISA (addon not built)' : isas.join(', ')}`, () => {
    if (addon === undefined) {
      assert.ok(!('addon' in load) && load.error.length > 0, 'an unloaded addon says why');
    } else {
      assert.equal(isas.at(-1), 'baseline', 'the portable baseline is always available');
      for (const isa of isas) assert.ok(addon.knownIsas.includes(isa));
    }
  });

  if (addon === undefined || isas.length < 2) return;

  it('random networks: outputs and states identical across ISAs, and within tolerance of the reference', () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(1e6), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 40 }),
        (spec, seed, steps, batch) => {
          const weights = randomWeights(spec, seed, 1.5);
          const runs = isas.map((isa) => exercise(createNativeNetwork(addon, spec, weights, { isa, maxBatch: 40 }), seed, steps, batch));
          for (let i = 1; i < runs.length; i++) {
            const what = `${isas[i]} vs ${isas[0]}`;
            assertSameBits(runs[i].outputs, runs[0].outputs, `${what}: runSequence outputs`);
            assertSameBits(runs[i].state, runs[0].state, `${what}: runSequence state`);
            assertSameBits(runs[i].batchOutputs, runs[0].batchOutputs, `${what}: stepBatch outputs`);
            assertSameBits(runs[i].batchStates, runs[0].batchStates, `${what}: stepBatch states`);
          }
          const reference = exercise(createReferenceNetwork(spec, weights), seed, steps, batch);
          assertClose(runs[0].outputs, reference.outputs, 'runSequence outputs');
          assertClose(runs[0].state, reference.state, 'runSequence state');
          assertClose(runs[0].batchOutputs, reference.batchOutputs, 'stepBatch outputs');
          assertClose(runs[0].batchStates, reference.batchStates, 'stepBatch states');
        }),
      { numRuns: 60 },
    );
  });

  it(`the bench's shapes at B=64 and a sequence longer than SEQUENCE_CHUNK (${SEQUENCE_CHUNK}): identical across ISAs`, () => {
    for (const [architecture, resetBefore] of [['rnn', false], ['lstm', false], ['gru', false], ['gru', true]] as const) {
      const spec: NetworkSpec = {
        architecture, nonlinearity: 'tanh', inputSize: 128, hiddenSize: 256, numLayers: 2,
        hasHead: true, outputSize: 10, outputActivation: 'softmax', gruResetBeforeProduct: resetBefore,
      };
      const weights = randomWeights(spec, 3);
      const runs = isas.map((isa) => exercise(createNativeNetwork(addon, spec, weights, { isa }), 3, SEQUENCE_CHUNK + 7, 64));
      for (let i = 1; i < runs.length; i++) {
        const what = `${architecture} ${isas[i]} vs ${isas[0]}`;
        assertSameBits(runs[i].outputs, runs[0].outputs, `${what}: runSequence outputs`);
        assertSameBits(runs[i].state, runs[0].state, `${what}: runSequence state`);
        assertSameBits(runs[i].batchOutputs, runs[0].batchOutputs, `${what}: stepBatch outputs`);
        assertSameBits(runs[i].batchStates, runs[0].batchStates, `${what}: stepBatch states`);
      }
    }
  });

  it('works in place on views of larger caller arrays (byte offsets), writing nothing outside them', () => {
    const spec: NetworkSpec = {
      architecture: 'lstm', nonlinearity: 'tanh', inputSize: 5, hiddenSize: 13, numLayers: 2,
      hasHead: false, outputSize: 13, outputActivation: 'identity',
    };
    const weights = randomWeights(spec, 9);
    const S = stateSize(spec);
    for (const isa of isas) {
      const net = createNativeNetwork(addon, spec, weights, { isa, maxBatch: 3 });
      const random = seededRandom(10);
      const x = randomFloats(3 * 5, 1, random);
      const states = randomFloats(3 * S, 0.5, random);
      const expectedStates = states.slice();
      const expectedOutputs = new Float32Array(3 * 13);
      net.stepBatch(3, x, expectedStates, expectedOutputs);

      const sentinel = 12345;
      const backing = new Float32Array(7 + 3 * S + 7).fill(sentinel);
      backing.set(states, 7);
      const outputBacking = new Float32Array(3 + 3 * 13 + 3).fill(sentinel);
      const xBacking = new Float32Array(1 + 15);
      xBacking.set(x, 1);
      net.stepBatch(3, xBacking.subarray(1), backing.subarray(7, 7 + 3 * S), outputBacking.subarray(3, 3 + 39));
      assertSameBits(backing.subarray(7, 7 + 3 * S), expectedStates, `${isa}: states through a view`);
      assertSameBits(outputBacking.subarray(3, 42), expectedOutputs, `${isa}: outputs through a view`);
      for (const i of [0, 6, 7 + 3 * S, backing.length - 1]) assert.equal(backing[i], sentinel, `${isa}: states[${i}] untouched`);
      for (const i of [0, 2, 42, 44]) assert.equal(outputBacking[i], sentinel, `${isa}: outputs[${i}] untouched`);
    }
  });

  it('weights whose values are all f16 (or bf16) stay 16-bit, with the bits of float32 storage, on every ISA', () => {
    const spec: NetworkSpec = {
      architecture: 'lstm', nonlinearity: 'tanh', inputSize: 19, hiddenSize: 37, numLayers: 2,
      hasHead: true, outputSize: 5, outputActivation: 'identity',
    };
    const random = seededRandom(21);
    // Exact halves: 11-bit integers times 2^-14 (normal and subnormal halves among them).
    const half = (n: number) => Float32Array.from({ length: n }, () => (Math.round((random() * 2 - 1) * 2047) / 16384) * (random() < 0.1 ? 1 / 64 : 1));
    // Exact bfloat16: float32 values with the low 16 bits cleared.
    const bfloat = (n: number) => {
      const values = randomFloats(n, 0.4, random);
      const bits = new Uint32Array(values.buffer);
      for (let i = 0; i < bits.length; i++) bits[i] &= 0xffff0000;
      return values;
    };
    const base = randomWeights(spec, 22);
    const weights = {
      layers: base.layers.map((layer, k) => ({
        ...layer,
        weightIh: k === 0 ? half(layer.weightIh.length) : bfloat(layer.weightIh.length),
        weightHh: k === 0 ? bfloat(layer.weightHh.length) : half(layer.weightHh.length),
      })),
      head: base.head, // random float32: stays f32
    };
    let first: Run | undefined;
    for (const isa of isas) {
      const packed = createNativeNetwork(addon, spec, weights, { isa, maxBatch: 9 });
      const plain = createNativeNetwork(addon, spec, weights, { isa, maxBatch: 9, weightStorage: 'f32' });
      assert.equal(packed.weightTypes, 'f32,f16,bf16', `${isa}: storage`);
      assert.equal(plain.weightTypes, 'f32', `${isa}: forced float32 storage`);
      const a = exercise(packed, 5, 11, 9);
      const b = exercise(plain, 5, 11, 9);
      for (const key of ['outputs', 'state', 'batchOutputs', 'batchStates'] as const) {
        assertSameBits(a[key], b[key], `${isa} 16-bit vs float32 storage: ${key}`);
        if (first !== undefined) assertSameBits(a[key], first[key], `${isa} vs ${isas[0]}: ${key}`);
      }
      first ??= a;
    }
  });

  it('refuses an ISA this CPU does not run, and arrays of the wrong type', () => {
    const spec: NetworkSpec = {
      architecture: 'rnn', nonlinearity: 'tanh', inputSize: 2, hiddenSize: 3, numLayers: 1,
      hasHead: false, outputSize: 3, outputActivation: 'identity',
    };
    const weights = randomWeights(spec, 1);
    assert.throws(() => createNativeNetwork(addon, spec, weights, { isa: 'sse9' }), /ISA 'sse9' is not supported/);
    const net = createNativeNetwork(addon, spec, weights, { isa: isas[0] });
    assert.throws(() => net.stepBatch(1, new Float64Array(2) as unknown as Float32Array, new Float32Array(3), new Float32Array(3)));
  });
});

describe('engine selection (RNN_ENGINE, RNN_ENGINE_ISA)', () => {
  it('wasm when asked', () => {
    const selection = selectEngine('wasm');
    assert.equal(selection.engine, 'wasm');
    assert.equal(selection.isa, 'simd128');
    const spec: NetworkSpec = {
      architecture: 'gru', nonlinearity: 'tanh', inputSize: 2, hiddenSize: 3, numLayers: 1,
      hasHead: false, outputSize: 3, outputActivation: 'identity',
    };
    assert.deepEqual(selection.create(spec, randomWeights(spec, 1)).engine, { name: 'wasm', isa: 'simd128' });
  });

  it('auto: native with the best ISA when the addon loaded, else wasm, saying why', () => {
    const selection = selectEngine('auto');
    if (addon === undefined) {
      assert.equal(selection.engine, 'wasm');
      assert.match(selection.reason, /native addon/);
      assert.throws(() => selectEngine('native'), /RNN_ENGINE=native but/);
    } else {
      assert.equal(selection.engine, 'native');
      assert.equal(selection.isa, isas[0]);
      assert.match(selection.reason, new RegExp(`${isas[0]} kernels`));
    }
  });

  it('a forced ISA: any this CPU runs; unknown or unsupported ones are refused', () => {
    if (addon === undefined) {
      assert.throws(() => selectEngine('native', 'baseline'), /RNN_ENGINE=native but/);
      return;
    }
    for (const isa of isas) assert.equal(selectEngine('native', isa).isa, isa);
    assert.throws(() => selectEngine('native', 'sse9'), /RNN_ENGINE_ISA=sse9 is not one of/);
    const unsupported = addon.knownIsas.find((isa) => !isas.includes(isa));
    if (unsupported !== undefined) assert.throws(() => selectEngine('native', unsupported), /not supported by this CPU/);
  });

  it('RNN_ENGINE=native in this process means the native engine really loaded (CI runs the suite so)', () => {
    if (process.env.RNN_ENGINE !== 'native') {
      assert.ok(['auto', 'wasm', undefined, ''].includes(process.env.RNN_ENGINE));
      return;
    }
    assert.ok(addon !== undefined, 'addon' in load ? '' : load.error);
  });
});

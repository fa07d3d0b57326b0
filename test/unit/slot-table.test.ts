// The slot table (src/sessions/slot-table.ts) and the batcher's resident jobs: a slot keeps its
// row until evicted, the table grows to its limit and then evicts the least recently used idle
// session (never a pinned one), and a resident step gives the same bits as runSequence on every
// engine, alone or in a batch with others.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReferenceNetwork, createWasmNetwork, randomWeights } from '../../src/engine/index.js';
import type { NetworkSpec, RecurrentNetwork, SequenceResult } from '../../src/engine/types.js';
import { loadNativeAddon } from '../../src/engine/native-addon.js';
import { createNativeNetwork } from '../../src/engine/native-network.js';
import { randomFloats, seededRandom } from '../../src/engine/random-weights.js';
import { SlotTable } from '../../src/sessions/slot-table.js';
import { StepBatcher } from '../../src/sessions/step-batcher.js';

const S = 4;
const row = (value: number) => new Float32Array(S).fill(value);

function table(maxSlots: number, initialSlots = 1, stateSize = S, outputSize = 2) {
  const evicted: { id: string; version: number; row: number[] }[] = [];
  const slots = new SlotTable({ stateSize, outputSize, initialSlots, maxSlots, evict: (id, version, _createdAt, state) => evicted.push({ id, version, row: Array.from(state) }) });
  return { slots, evicted };
}

describe('SlotTable', () => {
  it('a session keeps its slot and row; find answers only for the record the row is of', () => {
    const { slots } = table(4);
    const slot = slots.take('a', 3, 100, row(1), 0);
    assert.deepEqual(Array.from(slots.row(slot)), [1, 1, 1, 1]);
    assert.equal(slots.find('a', 3, 100, 1), slot);
    assert.equal(slots.find('a', 4, 100, 1), -1, 'another version');
    assert.equal(slots.find('a', 3, 101, 1), -1, 'another session of that id');
    assert.ok(slots.commit('a', slot, row(2), 0, 4));
    assert.equal(slots.find('a', 4, 100, 2), slot);
    assert.deepEqual(Array.from(slots.row(slot)), [2, 2, 2, 2]);
  });

  it('grows from its initial rows up to maxSlots, keeping every row', () => {
    const { slots, evicted } = table(3, 1);
    const a = slots.take('a', 0, 0, row(1), 0);
    const b = slots.take('b', 0, 0, row(2), 0);
    const c = slots.take('c', 0, 0, row(3), 0);
    assert.equal(new Set([a, b, c]).size, 3);
    assert.equal(slots.states.length, 3 * S);
    assert.deepEqual([a, b, c].map((slot) => slots.row(slot)[0]), [1, 2, 3]);
    assert.equal(evicted.length, 0);
  });

  it('full: the least recently used unpinned session is evicted, its row handed over', () => {
    const { slots, evicted } = table(2, 2);
    const a = slots.take('a', 5, 0, row(1), 10);
    slots.take('b', 7, 0, row(2), 20);
    slots.find('a', 5, 0, 30); // a used after b
    const c = slots.take('c', 0, 0, row(3), 40);
    assert.deepEqual(evicted, [{ id: 'b', version: 7, row: [2, 2, 2, 2] }]);
    assert.notEqual(c, a);
    slots.pin(a);
    const d = slots.take('d', 0, 0, row(4), 50);
    assert.equal(evicted.at(-1)!.id, 'c', 'a is pinned: c goes though a is older');
    slots.pin(d);
    assert.equal(slots.take('e', 0, 0, row(5), 60), -1, 'every slot pinned: none to give');
  });

  it('a slot dropped while pinned is free only once its job is done, and a late commit does not land', () => {
    const { slots, evicted } = table(1, 1);
    const a = slots.take('a', 0, 0, row(1), 0);
    slots.pin(a);
    slots.drop('a');
    assert.equal(slots.take('b', 0, 0, row(2), 1), -1, 'still read by the job in flight');
    assert.equal(slots.commit('a', a, row(9), 0, 1), false);
    slots.unpin(a);
    const b = slots.take('b', 0, 0, row(2), 2);
    assert.equal(b, a);
    assert.deepEqual(Array.from(slots.row(b)), [2, 2, 2, 2]);
    assert.equal(evicted.length, 0, 'a drop hands no row over');
  });

  it('reap evicts the sessions idle since the cutoff, not the pinned or recent ones', () => {
    const { slots, evicted } = table(4, 4);
    slots.take('old', 0, 0, row(1), 10);
    const pinned = slots.take('pinned', 0, 0, row(2), 10);
    slots.take('recent', 0, 0, row(3), 90);
    slots.pin(pinned);
    assert.equal(slots.reap(50), 1);
    assert.deepEqual(evicted.map((e) => e.id), ['old']);
    assert.equal(slots.size, 2);
  });
});

// ---- resident jobs through the batcher, on every engine ----

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
const weights = randomWeights(spec, 7);
const load = loadNativeAddon();
const engines: [string, RecurrentNetwork][] = [
  ['reference', createReferenceNetwork(spec, weights)],
  ['wasm', createWasmNetwork(spec, weights, { maxBatch: 16 })],
  ...('addon' in load ? load.addon.supportedIsas.map((isa): [string, RecurrentNetwork] => [`native ${isa}`, createNativeNetwork(load.addon, spec, weights, { isa, maxBatch: 16 })]) : []),
];

/** Steps `sessions` resident sessions `steps` times, `together` of them submitted per turn. */
async function residentRun(network: RecurrentNetwork, inputs: Float32Array[], steps: number, together: boolean): Promise<{ outputs: Float32Array[]; states: Float32Array[] }> {
  const batcher = new StepBatcher(network);
  const S = network.stateSize;
  const { slots } = table(inputs.length, 2, S);
  const ids = inputs.map((_, i) => `s${i}`);
  const slotOf = ids.map((id) => slots.take(id, 0, 0, new Float32Array(S), 0));
  const outputs = inputs.map(() => new Float32Array(steps * spec.outputSize));
  const stepOne = (i: number, k: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const slot = slotOf[i]!;
      slots.pin(slot);
      batcher.submitSlot(slots, slot, inputs[i]!.subarray(k * spec.inputSize, (k + 1) * spec.inputSize), (error: unknown, result?: SequenceResult) => {
        slots.unpin(slot);
        if (result === undefined) return reject(error as Error);
        outputs[i]!.set(result.outputs, k * spec.outputSize);
        slots.commit(ids[i]!, slot, result.state, 0, k + 1);
        resolve();
      });
    });
  for (let k = 0; k < steps; k++) {
    if (together) await Promise.all(inputs.map((_, i) => stepOne(i, k)));
    else for (let i = 0; i < inputs.length; i++) await stepOne(i, k);
  }
  return { outputs, states: slotOf.map((slot) => slots.row(slot).slice()) };
}

function assertSameBits(got: Float32Array, want: Float32Array, what: string): void {
  assert.deepEqual(new Uint32Array(got.buffer, got.byteOffset, got.length), new Uint32Array(want.buffer, want.byteOffset, want.length), what);
}

describe('resident steps: the same bits as runSequence, alone and batched, on every engine', () => {
  for (const [name, network] of engines) {
    it(name, async () => {
      const steps = 5;
      const random = seededRandom(3);
      const inputs = Array.from({ length: 6 }, () => randomFloats(steps * spec.inputSize, 1, random));
      const want = inputs.map((x) => network.runSequence(x, steps));
      for (const together of [false, true]) {
        const got = await residentRun(network, inputs, steps, together);
        inputs.forEach((_, i) => {
          assertSameBits(got.outputs[i]!, want[i]!.outputs, `${together ? 'batched' : 'alone'} session ${i} outputs`);
          assertSameBits(got.states[i]!, want[i]!.state, `${together ? 'batched' : 'alone'} session ${i} state`);
        });
      }
    });
  }
});

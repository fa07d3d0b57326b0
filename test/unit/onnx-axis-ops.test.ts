// The plumbing algebra the ONNX graph walk follows (src/model/onnx/axis-ops.ts): a Reshape is
// accepted when it merges or splits neighbouring factors, in order, and refused when it would
// move data between time, batch and features; Transpose, Squeeze and Unsqueeze keep the factors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reshape, squeeze, transpose, unsqueeze } from '../../src/model/onnx/axis-ops.js';
import { BATCH, Bindings, TIME, type Dims, type Factor, type ShapeElement } from '../../src/model/onnx/graph-values.js';

const D: Factor = { id: 'directions', size: 2 };
const H: Factor = { id: 'hidden', size: 4 };
const fail = (message: string): never => {
  throw new Error(message);
};
const bindings = new Bindings();
const show = (dims: Dims): string => bindings.describeDims(dims);
const literal = (...values: number[]): ShapeElement[] => values.map((v) => ({ literal: v }));

describe('Reshape on described axes', () => {
  const tdbh: Dims = [[TIME], [D], [BATCH], [H]];
  const tbdh: Dims = [[TIME], [BATCH], [D], [H]];

  it('merges directions and hidden after the Transpose torch writes: [T, B, D, H] -> [T, B, D*H]', () => {
    assert.equal(show(reshape(tbdh, literal(0, 0, -1), false, bindings, fail)), '[time, batch, directions(2)*hidden(4)]');
    assert.equal(show(reshape(tbdh, literal(0, 0, 8), false, bindings, fail)), '[time, batch, directions(2)*hidden(4)]');
  });

  it('flattens and restores rows with sizes from a Shape: [T*B, F] and back', () => {
    const rows = reshape(tbdh, literal(-1, 8), false, bindings, fail);
    assert.equal(show(rows), '[time*batch, directions(2)*hidden(4)]');
    const back = reshape(rows, [{ factors: [TIME] }, { factors: [BATCH] }, { literal: 8 }], false, bindings, fail);
    assert.equal(show(back), '[time, batch, directions(2)*hidden(4)]');
  });

  it('refuses a reshape that would mix batch into features ([T, D, B, H] straight to [T, B, -1])', () => {
    // 0 copies axis 1 (D) where the target wants B: the factors are not where the input has them.
    assert.throws(() => reshape(tdbh, [{ literal: 0 }, { factors: [BATCH] }, { literal: -1 }], false, bindings, fail), /is not where the input has it/);
  });

  it('refuses a literal size on the time or batch axis, and a split inside a block', () => {
    assert.throws(() => reshape(tbdh, literal(5, 0, -1), false, bindings, fail), /would take the time axis/);
    assert.throws(() => reshape([[TIME], [BATCH], [{ id: 'hidden', size: 6 }]], literal(0, 0, 4, -1), false, bindings, fail), /splits a hidden block/);
  });

  it('ignores size-1 axes, as ONNX does', () => {
    const withUnit: Dims = [[TIME], [], [BATCH], [H]];
    assert.equal(show(reshape(withUnit, literal(0, -1, 4), false, bindings, fail)), '[time, batch, hidden(4)]');
  });
});

describe('Transpose, Squeeze, Unsqueeze', () => {
  it('permute, drop only size-1 axes, insert unit axes', () => {
    const y: Dims = [[TIME], [{ id: 'directions', size: 1 }], [BATCH], [H]];
    const squeezed = squeeze(y, [1], bindings, fail);
    assert.equal(show(squeezed), '[time, batch, hidden(4)]');
    assert.equal(show(transpose(squeezed, [1, 0, 2], fail)), '[batch, time, hidden(4)]');
    assert.equal(show(unsqueeze(squeezed, [0, -1], fail)), '[1, time, batch, hidden(4), 1]');
    assert.throws(() => squeeze(squeezed, [0], bindings, fail), /not of size 1/);
    assert.throws(() => squeeze(squeezed, undefined, bindings, fail), /only known at run time/);
    assert.throws(() => transpose(squeezed, [0, 0, 1], fail), /not a permutation/);
  });
});

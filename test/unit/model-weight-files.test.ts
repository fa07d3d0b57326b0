// Decoding of the weight file formats: every safetensors float dtype (float16 special values
// exactly as IEEE 754), unaligned data, .npy versions and dtypes, and the bias-free layouts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelPackageError } from '../../src/model/errors.js';
import { bfloat16ToFloat, halfToFloat } from '../../src/model/float-decoding.js';
import { parseNpy } from '../../src/model/npy.js';
import { parseNpz } from '../../src/model/npz.js';
import { parseSafetensors } from '../../src/model/safetensors.js';
import { encodeNpy, encodeNpz, encodeSafetensors, float32Bytes, float64Bytes, joinSafetensors, uint16Bytes } from '../helpers/model-files.js';

describe('float16 and bfloat16 decoding', () => {
  it('decodes float16 exactly, including subnormals, signed zero, infinities and NaN', () => {
    const cases: Array<[number, number]> = [
      [0x0000, 0],
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x7bff, 65504], // largest normal
      [0x0400, 2 ** -14], // smallest normal
      [0x0001, 2 ** -24], // smallest subnormal
      [0x03ff, 1023 * 2 ** -24], // largest subnormal
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    for (const [bits, value] of cases) assert.equal(halfToFloat(bits), value, `0x${bits.toString(16)}`);
    assert.ok(Object.is(halfToFloat(0x8000), -0));
    assert.ok(Number.isNaN(halfToFloat(0x7e00)));
    assert.ok(Number.isNaN(halfToFloat(0xfc01)));
  });

  it('decodes bfloat16 as the top half of a float32', () => {
    assert.equal(bfloat16ToFloat(0x3f80), 1);
    assert.equal(bfloat16ToFloat(0xc040), -3);
    assert.equal(bfloat16ToFloat(0x7f80), Infinity);
    assert.equal(bfloat16ToFloat(0x0001), 2 ** -133); // subnormal
    assert.ok(Number.isNaN(bfloat16ToFloat(0x7fc0)));
  });
});

describe('parseSafetensors', () => {
  it('reads F32, F16, BF16 and F64 tensors into float32, with __metadata__', () => {
    const bytes = encodeSafetensors(
      {
        f32: { dtype: 'F32', shape: [2], bytes: float32Bytes([1.5, -2]) },
        f16: { dtype: 'F16', shape: [3], bytes: uint16Bytes([0x3c00, 0x0001, 0xfc00]) },
        bf16: { dtype: 'BF16', shape: [1, 1], bytes: uint16Bytes([0x4049]) },
        f64: { dtype: 'F64', shape: [2], bytes: float64Bytes([0.1, 1e300]) },
        empty: { dtype: 'F32', shape: [0, 3], bytes: new Uint8Array(0) },
      },
      { format: 'pt' },
    );
    const tensors = parseSafetensors(bytes, 'mixed.safetensors');
    assert.deepEqual([...tensors.keys()], ['f32', 'f16', 'bf16', 'f64', 'empty']);
    assert.deepEqual(tensors.get('f32'), { dtype: 'F32', shape: [2], data: Float32Array.of(1.5, -2) });
    assert.deepEqual(tensors.get('f16')?.data, Float32Array.of(1, 2 ** -24, -Infinity));
    assert.deepEqual(tensors.get('bf16')?.data, Float32Array.of(3.140625));
    assert.deepEqual(tensors.get('f64')?.data, Float32Array.of(Math.fround(0.1), Infinity)); // narrowed like torch's .float()
    assert.equal(tensors.get('empty')?.data.length, 0);
  });

  it('reads data at unaligned offsets', () => {
    const header = { a: { dtype: 'F32', shape: [2], data_offsets: [1, 9] }, b: { dtype: 'F64', shape: [1], data_offsets: [9, 17] } };
    const data = new Uint8Array(17);
    const view = new DataView(data.buffer);
    view.setFloat32(1, 0.25, true);
    view.setFloat32(5, -7, true);
    view.setFloat64(9, 3.5, true);
    // A header of odd length puts the data area itself at an odd file offset too.
    const text = JSON.stringify(header) + (JSON.stringify(header).length % 2 === 0 ? ' ' : '');
    const tensors = parseSafetensors(joinSafetensors(undefined, data, text), 'unaligned.safetensors');
    assert.deepEqual(tensors.get('a')?.data, Float32Array.of(0.25, -7));
    assert.deepEqual(tensors.get('b')?.data, Float32Array.of(3.5));
  });

  it('reads from a Uint8Array view into a larger buffer', () => {
    const file = encodeSafetensors({ x: { dtype: 'F32', shape: [1], bytes: float32Bytes([42]) } });
    const padded = new Uint8Array(file.length + 3);
    padded.set(file, 3);
    assert.deepEqual(parseSafetensors(padded.subarray(3), 'view.safetensors').get('x')?.data, Float32Array.of(42));
  });

  it('rejects a header that is not UTF-8', () => {
    const bytes = joinSafetensors(undefined, new Uint8Array(0), '{}');
    bytes[8] = 0xff;
    assert.throws(() => parseSafetensors(bytes, 'bad.safetensors'), (error: unknown) => error instanceof ModelPackageError && /bad\.safetensors: header is not valid UTF-8/.test(error.message));
  });
});

describe('parseNpy and parseNpz', () => {
  it('reads <f4 and <f8 arrays of format versions 1, 2 and 3', () => {
    for (const version of [1, 2, 3] as const) {
      const f8 = parseNpy(encodeNpy([2, 2], float64Bytes([1, 2, 3, 4.5]), { version }), 'a.npy');
      assert.deepEqual(f8, { dtype: '<f8', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4.5) });
      const f4 = parseNpy(encodeNpy([3], float32Bytes([-1, 0, 1]), { descr: '<f4', version }), 'b.npy');
      assert.deepEqual(f4, { dtype: '<f4', shape: [3], data: Float32Array.of(-1, 0, 1) });
    }
  });

  it('reads a 0-d array as one value', () => {
    assert.deepEqual(parseNpy(encodeNpy([], float64Bytes([7])), 'scalar.npy').data, Float32Array.of(7));
  });

  it('rejects bytes without the npy magic and unknown format versions', () => {
    assert.throws(() => parseNpy(new Uint8Array(20), 'x.npy'), /x\.npy: not a \.npy array/);
    const future = encodeNpy([1], float64Bytes([1]));
    future[6] = 9;
    assert.throws(() => parseNpy(future, 'x.npy'), /x\.npy: \.npy format version 9\.0 is not supported/);
  });

  it('rejects a structured dtype', () => {
    const bytes = Buffer.from(`\x93NUMPY\x01\x00\x30\x00{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }\n`, 'latin1');
    bytes.writeUInt16LE(bytes.length - 10, 8);
    assert.throws(() => parseNpy(bytes, 's.npy'), /s\.npy: \.npy array has a structured or missing dtype/);
  });

  it('keys npz arrays by name without .npy', () => {
    const npz = encodeNpz({ Wxh: encodeNpy([1], float64Bytes([2])), by: encodeNpy([1, 1], float64Bytes([3])) });
    const arrays = parseNpz(npz, 'weights.npz');
    assert.deepEqual([...arrays.keys()].sort(), ['Wxh', 'by']);
    assert.deepEqual(arrays.get('by')?.shape, [1, 1]);
  });
});

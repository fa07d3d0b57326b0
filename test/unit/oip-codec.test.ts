// The Open Inference Protocol's codecs on their own: FP16 decoding, BYTES framing, element
// positions in messages, and the hand-written JSON of float outputs (each value the shortest
// decimal that reads back as the same float32, NaN and infinities as null).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBytes, encodeBytes, halfToNumber } from '../../src/oip/datatypes.js';
import * as errors from '../../src/errors.js';
import { OIP_ERROR_TABLE } from '../../src/oip/error-map.js';
import { floatsJson } from '../../src/oip/rest-body.js';
import { position } from '../../src/oip/tensor-decode.js';

describe('OIP codecs', () => {
  it('decodes IEEE binary16: normals, subnormals, zeros, infinities and NaN', () => {
    assert.equal(halfToNumber(0x3c00), 1);
    assert.equal(halfToNumber(0xc000), -2);
    assert.equal(halfToNumber(0x3555), 0.333251953125);
    assert.equal(halfToNumber(0x7bff), 65504);
    assert.equal(halfToNumber(0x0001), 2 ** -24);
    assert.equal(halfToNumber(0x8000), -0);
    assert.equal(halfToNumber(0x7c00), Infinity);
    assert.equal(halfToNumber(0xfc00), -Infinity);
    assert.ok(Number.isNaN(halfToNumber(0x7e00)));
  });

  it('frames BYTES elements and finds every inconsistency', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), (values) => {
        const elements = decodeBytes(encodeBytes(values), values.length);
        assert.ok(Array.isArray(elements));
        assert.deepEqual(elements.map((bytes) => Buffer.from(bytes).toString('utf8')), values);
      }),
    );
    assert.match(String(decodeBytes(encodeBytes(['ab']), 2)), /element 1 has no 4-byte length/);
    assert.match(String(decodeBytes(Buffer.concat([encodeBytes(['ab']), Buffer.from([1])]), 1)), /1 bytes remain after its 1 elements/);
  });

  it('names flat element k by its index in the shape', () => {
    assert.equal(position('input', [2, 3, 4], 0), 'input[0][0][0]');
    assert.equal(position('input', [2, 3, 4], 23), 'input[1][2][3]');
    assert.equal(position('state_h', [1, 2, 5], 7), 'state_h[0][1][2]');
  });

  it('writes float outputs that read back as the same float32 bits, non-finite values as null', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ noDefaultInfinity: false, noNaN: false })), (values) => {
        const data = Float32Array.from(values);
        const read = (JSON.parse(floatsJson(data)) as (number | null)[]).map((v) => (v === null ? v : Math.fround(v)));
        assert.deepEqual(read, Array.from(data, (v) => (Number.isFinite(v) ? v : null)));
      }),
    );
  });

  it('the protocol error table maps every code of src/errors.ts, and only those', () => {
    const codes = Object.values(errors).map((ServiceError) => new ServiceError('').code).sort();
    assert.deepEqual(Object.keys(OIP_ERROR_TABLE).sort(), codes);
  });
});

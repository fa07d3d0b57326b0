// The batch check of src/engine/finite.ts: the native one-pass test that a run of float32 values
// holds no NaN and no infinity, against the plain definition, for every class of value at every
// position of runs of every length around the vector widths (a vectorized loop's tail is where
// such a check goes wrong). Without the addon there is no native check, and the guard checks
// every session itself (session-slots and non-finite-results test that path's refusals).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allFiniteNatively } from '../../src/engine/finite.js';
import { loadNativeAddon } from '../../src/engine/native-addon.js';

const load = loadNativeAddon();

it('the native check exists exactly when the addon loaded', () => {
  assert.equal(allFiniteNatively !== undefined, 'addon' in load);
});

const bits = (u: number) => new Float32Array(new Uint32Array([u]).buffer)[0]!;
const FINITE = [0, -0, 1, -1, bits(0x00000001), bits(0x807fffff), bits(0x7f7fffff), bits(0xff7fffff), 0.1, 3.4e38];
const NON_FINITE = [Infinity, -Infinity, NaN, bits(0x7f800001), bits(0xffc00000), bits(0x7fffffff)];

if (allFiniteNatively !== undefined) {
  const check = allFiniteNatively;
  describe('allFiniteNatively', () => {
    it('answers true for finite values of every class, whatever the length', () => {
      for (let length = 0; length <= 70; length++) {
        const values = Float32Array.from({ length }, (_, i) => FINITE[i % FINITE.length]!);
        assert.equal(check(values, length), true, `length ${length}`);
      }
    });

    it('finds one non-finite value at any position, and only within count', () => {
      for (const length of [1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65]) {
        for (let at = 0; at < length; at++) {
          for (const bad of NON_FINITE) {
            const values = Float32Array.from({ length: length + 1 }, (_, i) => FINITE[i % FINITE.length]!);
            values[at] = bad;
            assert.equal(check(values, length), false, `${bad} at ${at} of ${length}`);
            assert.equal(check(values, at), true, `only the first ${at}`);
          }
        }
      }
    });

    it('refuses a count beyond the array and what is not a Float32Array', () => {
      assert.throws(() => check(new Float32Array(4), 5), /count is outside values/);
      assert.throws(() => check(new Float64Array(4) as unknown as Float32Array, 4), /Float32Array/);
    });
  });
}

// float32 values as JSON (src/codec/float32-json.ts): every value is written as the shortest
// decimal that reads back as the same float32, bit for bit, laid out as JavaScript lays out
// numbers; the native formatter (std::to_chars in the addon) and the JavaScript one write the
// same text for every value tried: random bit patterns, every power of two, powers of ten,
// subnormals, the extremes, negative zero, and values exactly halfway between two shortest
// candidates (where the even digit must win).
//
// Where the addon could not be built (no C++ toolchain) only the JavaScript formatter exists, and
// the comparison between the two is not defined.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  float32JsonFormatter,
  float32MatrixToJson,
  float32MatrixToJsonJs,
  float32ToJson,
  nativeFloat32MatrixToJson,
} from '../../src/codec/float32-json.js';
import { answerJson, stateToJson, toRows } from '../../src/codec/outputs.js';
import { loadNativeAddon } from '../../src/engine/native-addon.js';

const bits = new Uint32Array(1);
const float = new Float32Array(bits.buffer);
function fromBits(pattern: number): number {
  bits[0] = pattern >>> 0;
  return float[0]!;
}

/** Values worth checking one by one; random bit patterns are added per test. */
function edgeValues(): number[] {
  const values = [0, -0, 1, -1, 0.1, 0.2, 0.3, 1 / 3, 2 / 3, 16777216, 16777217, 2097152.25, 2097152.75, 4194304.5];
  values.push(fromBits(0x00000001), fromBits(0x80000001), fromBits(0x007fffff), fromBits(0x00800000), fromBits(0x7f7fffff), fromBits(0xff7fffff));
  for (let e = 0; e < 255; e++) values.push(fromBits(e << 23), fromBits((e << 23) | 1), fromBits(((e + 1) << 23) - 1));
  for (let k = -45; k <= 38; k++) values.push(Math.fround(10 ** k), -Math.fround(10 ** k));
  // Float32 with a quarter or a half below 2^24: their exact decimals are short, so rounding
  // them to one digit fewer can land exactly halfway (2097152.25 -> 2097152.2, the even digit).
  for (let i = 0; i < 4000; i++) values.push(2097152 + i * 0.25, 4194304 + i * 0.5, 1048576 + i * 0.125);
  return values.map(Math.fround);
}

function randomValues(count: number, seed: number): number[] {
  let state = seed >>> 0;
  const values: number[] = [];
  while (values.length < count) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const v = fromBits(state ^ (state >>> 15));
    if (Number.isFinite(v)) values.push(v);
  }
  return values;
}

/** The number of significant digits of a JSON number's text. */
function significantDigits(text: string): number {
  const mantissa = text.replace(/^-/, '').replace(/e.*$/, '').replace('.', '');
  return mantissa.replace(/^0+/, '').replace(/0+$/, '').length;
}

/** Whether some decimal of `digits` significant digits reads back as v (the nearest and its neighbours). */
function someDecimalReadsBack(v: number, digits: number): boolean {
  const nearest = v.toExponential(digits - 1);
  const [mantissa, exponent] = nearest.split('e') as [string, string];
  const integer = Number(mantissa.replace('.', ''));
  const q = Number(exponent) - (digits - 1);
  return [integer - 1, integer, integer + 1].some((n) => Math.fround(Number(`${n}e${q}`)) === v);
}

describe('float32 JSON numbers', () => {
  it('read back as the same float32 bits, in the shortest decimal, laid out as JavaScript prints numbers', () => {
    for (const v of [...edgeValues(), ...randomValues(100_000, 1)]) {
      const text = float32ToJson(v);
      const read = JSON.parse(text) as number;
      if (!Object.is(Math.fround(read), v)) assert.fail(`${v} was written ${text}, which reads back as ${Math.fround(read)}`);
      if (!Object.is(v, -0)) assert.equal(text, String(read), `${v}: ${text} is not laid out as JavaScript prints it`);
      const digits = significantDigits(text);
      assert.ok(digits <= 9, `${v}: ${text} has ${digits} digits`);
      if (digits > 1 && someDecimalReadsBack(v, digits - 1)) assert.fail(`${v}: ${text} is not the shortest (${digits - 1} digits read back)`);
    }
  });

  it('write negative zero as -0, non-finite values as null, and a tie to the even digit', () => {
    assert.equal(float32ToJson(-0), '-0');
    assert.equal(float32ToJson(0), '0');
    assert.equal(float32ToJson(Number.NaN), 'null');
    assert.equal(float32ToJson(Number.NEGATIVE_INFINITY), 'null');
    assert.equal(float32ToJson(Math.fround(0.1)), '0.1');
    assert.equal(float32ToJson(fromBits(0x00000001)), '1e-45');
    assert.equal(float32ToJson(fromBits(0x7f7fffff)), '3.4028235e+38');
    assert.equal(float32ToJson(fromBits(0x00800000)), '1.1754944e-38');
    // 2097152.25 is exactly halfway between 2097152.2 and 2097152.3, both of which read back.
    assert.equal(float32ToJson(2097152.25), '2097152.2');
    assert.equal(float32ToJson(2097152.75), '2097152.8');
  });

  it('write rows and matrices of a Float32Array, from an offset', () => {
    const values = Float32Array.from([9, 0.5, -0.25, 1e-7, 3, 4]);
    assert.equal(float32MatrixToJson(values, 1, 0, 2), '[0.5,-0.25]');
    assert.equal(float32MatrixToJson(values, 1, 2, 2), '[[0.5,-0.25],[1e-7,3]]');
    assert.equal(answerJson({ outputs: toRows(values, 0, 3), t: 1, skipped: undefined }), '{"outputs":[],"t":1}');
    assert.equal(
      answerJson({ id: 'a"b', state: stateToJson({ architecture: 'gru', numLayers: 2, hiddenSize: 1 }, values) }),
      '{"id":"a\\"b","state":{"h":[[9],[0.5]]}}',
    );
    assert.equal(answerJson([null, true, { x: [1, 'two'] }]), JSON.stringify([null, true, { x: [1, 'two'] }]));
  });

  it(`this process formats with the ${float32JsonFormatter} formatter`, () => {
    assert.equal(float32JsonFormatter === 'native', nativeFloat32MatrixToJson !== undefined);
  });

  const native = nativeFloat32MatrixToJson;
  if (native !== undefined) {
    it('native (std::to_chars) and JavaScript formatters write the same text for every value', () => {
      const values = Float32Array.from([...edgeValues(), ...randomValues(300_000, 7), Number.NaN, Infinity, -Infinity]);
      const nativeText = native(values, 0, 0, values.length);
      const jsText = float32MatrixToJsonJs(values, 0, 0, values.length);
      if (nativeText !== jsText) {
        const a = nativeText.slice(1, -1).split(',');
        const b = jsText.slice(1, -1).split(',');
        const at = a.findIndex((text, i) => text !== b[i]);
        assert.fail(`value ${values[at]}: native wrote ${a[at]}, JavaScript ${b[at]}`);
      }
      assert.equal(native(values, 3, 2, 5), float32MatrixToJsonJs(values, 3, 2, 5));
      // Larger than the buffer the formatter keeps: written into one of its own, the same text.
      assert.equal(native(values, 0, 100, 1000), float32MatrixToJsonJs(values, 0, 100, 1000));
      assert.equal(native(values, 5, 1, 2), float32MatrixToJsonJs(values, 5, 1, 2), 'the kept buffer again, after the large one');
    });

    it('the longest values fit the bytes the native formatter reserves, in an answer larger than its kept buffer', () => {
      // The longest texts: fixed notation just below 1e21, small fixed values, the scientific form.
      const longest = Float32Array.from([-1.2345678e20, -9.8765434e20, -1.23456789e-6, -1.17549435e-38, -3.4028235e38]);
      const { addon } = loadNativeAddon() as { addon: { floatJsonBytesPerValue: number } };
      for (const v of longest) {
        const text = float32ToJson(v);
        assert.ok(text.length + 1 <= addon.floatJsonBytesPerValue, `${text} and its comma take more than ${addon.floatJsonBytesPerValue} bytes`);
      }
      // 2 MB of them: the formatter sizes a buffer of its own from its reserve, and the text is whole.
      const rows = 20_000;
      const values = new Float32Array(rows * longest.length).map((_, i) => longest[i % longest.length]!);
      assert.equal(native(values, 0, rows, longest.length), float32MatrixToJsonJs(values, 0, rows, longest.length));
    });

    it('native formatter refuses a range outside the array instead of reading past it', () => {
      assert.throws(() => native(new Float32Array(4), 2, 1, 3), /do not fit the array/);
    });
  }
});

// float32 values as JSON text: each value is the SHORTEST decimal that reads back as the same
// float32 (what PyTorch and numpy print for float32: at most 9 significant digits), laid out as
// JavaScript prints numbers. A client that parses the number and rounds it to float32
// (Math.fround, np.float32) gets the exact bits; -0 is written -0. Among several shortest
// decimals the closest to the value is written, a tie going to the even last digit (Ryu, and
// C++17 std::to_chars, which the native addon uses).
//
// Why not JSON.stringify over the widened doubles: it prints 17 digits per value (0.1f is
// 0.10000000149011612), and formatting them is most of a JSON reply's cost. The native formatter
// (native/float-json.cc) writes a whole row in about a third of JSON.stringify's time, at half
// the bytes; without the addon (the wasm engine's machines) float32ToJson below gives the same
// text, digit for digit (test/unit/float32-json.test.ts compares them).
import { loadNativeAddon, type NativeAddon } from '../engine/native-addon.js';

const scratch32 = new Float32Array(1);
const bits32 = new Uint32Array(scratch32.buffer);

/** The JSON text of one float32 value (v must be a float32 value, e.g. read from a Float32Array). */
export function float32ToJson(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // Fewest digits first from 7 (most values of a network need 7 or 8): down while it reads back,
  // else up; 9 digits always read back.
  let best = atPrecision(v, 7);
  if (best !== undefined) {
    for (let p = 6; p >= 1; p--) {
      const shorter = atPrecision(v, p);
      if (shorter === undefined) break;
      best = shorter;
    }
  } else {
    best = atPrecision(v, 8) ?? atPrecision(v, 9)!;
  }
  // The double nearest to a decimal of at most 9 digits prints as exactly those digits.
  return String(Number(best));
}

/**
 * The p-digit decimal (as text Number() reads) that reads back as v and that the shortest rule
 * would choose at p digits; undefined when no p-digit decimal reads back as v.
 */
function atPrecision(v: number, p: number): string | undefined {
  const nearest = v.toExponential(p - 1); // the nearest p digits, a tie rounded away from zero
  if (Math.fround(Number(nearest)) === v) {
    // A tie needs an odd last digit (toExponential rounded it up from the even one) and a short
    // exact decimal (at most 10 digits: 10^q divides 2v, so q <= 10); rare, checked exactly.
    const e = nearest.indexOf('e');
    if ((nearest.charCodeAt(e - 1) & 1) === 0) return nearest;
    const { digits, q } = decimalParts(nearest, e, p);
    if (q > 10 || !isHalfway(Math.abs(v), digits, q)) return nearest;
    const even = `${v < 0 ? '-' : ''}${digits - 1}e${q}`;
    return Math.fround(Number(even)) === v ? even : nearest;
  }
  // A power of two: the float32 just below is half as far as the one above, so the nearest
  // decimal may fall below, outside, while the next one up is still inside.
  if (isAsymmetric(v) && Math.abs(Number(nearest)) < Math.abs(v)) {
    const { digits, q } = decimalParts(nearest, nearest.indexOf('e'), p);
    const above = `${v < 0 ? '-' : ''}${digits + 1}e${q}`;
    if (Math.fround(Number(above)) === v) return above;
  }
  return undefined;
}

/** "[-]d.ddde±x" (p digits) as the integer of its digits and the exponent of its last digit. */
function decimalParts(exponential: string, e: number, p: number): { digits: number; q: number } {
  const start = exponential.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  return { digits: Number(exponential.slice(start, e).replace('.', '')), q: Number(exponential.slice(e + 1)) - (p - 1) };
}

/** Whether magnitude === (digits - 1/2) * 10^q exactly (cheap double test first, then exact). */
function isHalfway(magnitude: number, digits: number, q: number): boolean {
  if (Number(`${2 * digits - 1}e${q}`) !== 2 * magnitude) return false;
  scratch32[0] = magnitude;
  const exponentField = (bits32[0]! >>> 23) & 0xff;
  const mantissa = BigInt(exponentField === 0 ? bits32[0]! & 0x7fffff : (bits32[0]! & 0x7fffff) | 0x800000);
  const E = (exponentField === 0 ? 1 : exponentField) - 150; // magnitude = mantissa * 2^E
  // 2 * mantissa * 2^E === (2 * digits - 1) * 10^q, both sides scaled to integers.
  const left = 2n * mantissa * 2n ** BigInt(Math.max(E, 0)) * 10n ** BigInt(Math.max(-q, 0));
  const right = BigInt(2 * digits - 1) * 10n ** BigInt(Math.max(q, 0)) * 2n ** BigInt(Math.max(-E, 0));
  return left === right;
}

/** A power of two above the smallest normal: its lower neighbour is nearer than its upper one. */
function isAsymmetric(v: number): boolean {
  scratch32[0] = v;
  return (bits32[0]! & 0x7fffff) === 0 && ((bits32[0]! >>> 23) & 0xff) > 1;
}

/** `[v,...]` (rows 0: cols values) or `[[...],...]` (rows rows of cols) from values[start], in JavaScript. */
export function float32MatrixToJsonJs(values: Float32Array, start: number, rows: number, cols: number): string {
  const row = (from: number): string => {
    let text = '[';
    for (let j = 0; j < cols; j++) text += (j > 0 ? ',' : '') + float32ToJson(values[from + j]!);
    return `${text}]`;
  };
  if (rows === 0) return row(start);
  let text = '[';
  for (let r = 0; r < rows; r++) text += (r > 0 ? ',' : '') + row(start + r * cols);
  return `${text}]`;
}

type Formatter = (values: Float32Array, start: number, rows: number, cols: number) => string;

/**
 * Writes one row `[v,...]` of n values from values[start] into out[0..], returning the bytes
 * written; out must hold float32RowCapacity(n) bytes. For callers that put the row inside bytes
 * of their own (the stream's output frames) instead of in a string.
 */
export type RowWriter = (values: Float32Array, start: number, n: number, out: Uint8Array) => number;

/**
 * The addon's formatter and its own worst case per value (a buffer sized from it always fits the
 * answer), or undefined without the addon.
 */
const addon = ((): { format: NativeAddon['formatFloat32Json']; bytesPerValue: number } | undefined => {
  const load = loadNativeAddon();
  if (!('addon' in load) || typeof load.addon.formatFloat32Json !== 'function') return undefined;
  return { format: load.addon.formatFloat32Json.bind(load.addon), bytesPerValue: load.addon.floatJsonBytesPerValue };
})();

/** The native formatter writing into one reused buffer, or undefined without the addon. */
function nativeFormatter(): Formatter | undefined {
  if (addon === undefined) return undefined;
  const { format, bytesPerValue } = addon;
  // One buffer for every answer up to KEPT_BYTES; a larger one (a long predict) gets its own,
  // so the process does not keep the largest answer's worth of memory.
  const KEPT_BYTES = 1 << 20;
  let kept = Buffer.allocUnsafe(64 * 1024);
  return (values, start, rows, cols) => {
    const capacity = (rows === 0 ? 1 : rows) * (cols * bytesPerValue + 3) + 2;
    if (kept.length < capacity && capacity <= KEPT_BYTES) kept = Buffer.allocUnsafe(capacity);
    const buffer = kept.length >= capacity ? kept : Buffer.allocUnsafe(capacity);
    const written = format(values, start, rows, cols, buffer);
    if (written < 0) throw new RangeError(`float32 JSON: ${rows} x ${cols} values from ${start} do not fit the array`);
    return buffer.toString('latin1', 0, written);
  };
}

const native = nativeFormatter();

/** The native row writer, or undefined without the addon (then only the formatters above exist). */
export const float32RowInto: RowWriter | undefined = nativeRowWriter();

/** The bytes float32RowInto may write for a row of n values: the addon's worst case, "[" and "]". */
export function float32RowCapacity(n: number): number {
  return n * (addon?.bytesPerValue ?? 0) + 5;
}

function nativeRowWriter(): RowWriter | undefined {
  if (addon === undefined) return undefined;
  const { format } = addon;
  return (values, start, n, out) => {
    const written = format(values, start, 0, n, out);
    if (written < 0) throw new RangeError(`float32 JSON: ${n} values from ${start} do not fit the array, or ${out.length} output bytes are too few`);
    return written;
  };
}

/** Which formatter this process uses (the native one when the addon loaded). */
export const float32JsonFormatter: 'native' | 'javascript' = native === undefined ? 'javascript' : 'native';

/** `[v,...]` (rows 0: cols values) or `[[...],...]` (rows rows of cols) from values[start]. */
export const float32MatrixToJson: Formatter = native ?? float32MatrixToJsonJs;

/** One row `[v,...]` of n values from values[start]. */
export function float32RowToJson(values: Float32Array, start: number, n: number): string {
  return float32MatrixToJson(values, start, 0, n);
}

/** The native formatter itself, for the test that compares it with the JavaScript one. */
export const nativeFloat32MatrixToJson: Formatter | undefined = native;

// The Open Inference Protocol's tensor datatypes this server reads and writes, and the decoding
// of their little-endian binary form (binary tensor extension, gRPC raw contents). Only the
// types the tensor contract accepts are decoded; any other is refused by name.

/** Bytes per element of the fixed-size datatypes (BYTES is length-prefixed, see decodeBytes). */
export const ELEMENT_BYTES: Readonly<Record<string, number>> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
};

export const FLOAT_TYPES = ['FP32', 'FP64', 'FP16'] as const;
export const INTEGER_TYPES = ['INT64', 'INT32'] as const;

/** IEEE 754 binary16 bits -> the number they encode (exact: every half is a float32). */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Binary float elements (FP32, FP64 or FP16) as float32, into `out` from index 0. The caller has
 * checked bytes.length === out.length * ELEMENT_BYTES[datatype]. Finiteness is checked by the
 * caller (it knows the tensor's shape for the message).
 */
export function decodeFloats(datatype: string, bytes: Uint8Array, out: Float32Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = out.length;
  switch (datatype) {
    case 'FP32':
      // One copy into an aligned buffer (a body's offset is arbitrary); little-endian hosts only,
      // which is every platform Node ships for in practice, checked at start-up below.
      new Uint8Array(out.buffer, out.byteOffset, n * 4).set(bytes);
      return;
    case 'FP64':
      for (let k = 0; k < n; k++) out[k] = view.getFloat64(k * 8, true);
      return;
    case 'FP16':
      for (let k = 0; k < n; k++) out[k] = halfToNumber(view.getUint16(k * 2, true));
      return;
    default:
      throw new Error(`decodeFloats: ${datatype} is not a float datatype`);
  }
}

/** Binary INT64 / INT32 elements as numbers; INT64 values beyond 2^53 become NaN (refused by the caller). */
export function decodeIntegers(datatype: string, bytes: Uint8Array, out: Float64Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = out.length;
  if (datatype === 'INT32') {
    for (let k = 0; k < n; k++) out[k] = view.getInt32(k * 4, true);
    return;
  }
  if (datatype !== 'INT64') throw new Error(`decodeIntegers: ${datatype} is not an integer datatype`);
  for (let k = 0; k < n; k++) {
    const value = view.getBigInt64(k * 8, true);
    out[k] = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : NaN;
  }
}

/**
 * BYTES elements: each a 4-byte little-endian length, then that many bytes. Returns the
 * elements, or a message saying where the encoding is broken.
 */
export function decodeBytes(bytes: Uint8Array, count: number): Uint8Array[] | string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const elements: Uint8Array[] = [];
  let at = 0;
  for (let k = 0; k < count; k++) {
    if (at + 4 > bytes.length) return `element ${k} has no 4-byte length (the data ends at byte ${bytes.length})`;
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > bytes.length) return `element ${k} says ${length} bytes but only ${bytes.length - at} remain`;
    elements.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) return `${bytes.length - at} bytes remain after its ${count} elements`;
  return elements;
}

/** The BYTES encoding of strings (4-byte length + UTF-8 each). */
export function encodeBytes(values: readonly string[]): Buffer {
  const parts = values.map((value) => Buffer.from(value, 'utf8'));
  const out = Buffer.allocUnsafe(parts.reduce((sum, part) => sum + 4 + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.writeUInt32LE(part.length, at);
    part.copy(out, at + 4);
    at += 4 + part.length;
  }
  return out;
}

if (new Uint8Array(new Float32Array([1]).buffer)[3] !== 0x3f) {
  throw new Error('rnn-serve decodes binary tensors on little-endian hosts only');
}

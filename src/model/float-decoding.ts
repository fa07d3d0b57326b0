// Reading little-endian floats of every accepted width from any byte offset (files give no
// alignment guarantee, so everything goes through DataView, never a typed-array view).

const bf16Bits = new Uint32Array(1);
const bf16Float = new Float32Array(bf16Bits.buffer);

/** IEEE 754 binary16 to number, exactly: subnormals, signed zeros, infinities and NaN. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 is the top half of a float32, so widening is a 16-bit shift. */
export function bfloat16ToFloat(bits: number): number {
  bf16Bits[0] = (bits & 0xffff) << 16;
  return bf16Float[0];
}

export type FloatEncoding = 'f16' | 'bf16' | 'f32' | 'f64';

export const encodingByteSize: Readonly<Record<FloatEncoding, number>> = { f16: 2, bf16: 2, f32: 4, f64: 8 };

/**
 * Decodes `count` little-endian values starting at `byteOffset` of `bytes` into a new
 * Float32Array (f64 rounds to nearest float32). The caller has bounds-checked the range.
 */
export function decodeFloats(bytes: Uint8Array, byteOffset: number, count: number, encoding: FloatEncoding): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, count * encodingByteSize[encoding]);
  const out = new Float32Array(count);
  switch (encoding) {
    case 'f32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      break;
    case 'f64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      break;
    case 'f16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case 'bf16':
      for (let i = 0; i < count; i++) out[i] = bfloat16ToFloat(view.getUint16(i * 2, true));
      break;
  }
  return out;
}

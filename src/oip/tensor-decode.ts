// One request tensor (JSON data, typed gRPC contents or binary bytes) to a flat array, checking
// its shape, datatype and element count on the way. Nothing here trusts the request: every
// size is checked before anything of that size is allocated, and every message names the
// tensor and the element's position, e.g. "input[0][3][1] is NaN".
import { InvalidInputError } from '../errors.js';
import { ELEMENT_BYTES, decodeBytes, decodeFloats, decodeIntegers } from './datatypes.js';
import type { InferInputTensor } from './types.js';

/** Deepest shape accepted (the contract's tensors have rank 1 to 3). */
const MAX_RANK = 8;

/**
 * The tensor's element count, after checking its shape. `maxBytes` is the message size limit
 * (BODY_LIMIT_BYTES): every accepted element takes at least one byte on the wire, so a shape
 * claiming more elements is refused before anything of its size is allocated.
 */
export function elementCount(tensor: InferInputTensor, maxBytes: number): number {
  const { shape, name } = tensor;
  if (shape.length === 0 || shape.length > MAX_RANK) {
    throw new InvalidInputError(`input '${name}' has shape [${shape.join(', ')}]; a rank of 1 to ${MAX_RANK} is expected`);
  }
  let count = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new InvalidInputError(`input '${name}' has shape [${shape.join(', ')}]: every dimension must be a non-negative integer`);
    }
    count *= dim;
    if (count > Number.MAX_SAFE_INTEGER / 16) {
      throw new InvalidInputError(`input '${name}' has shape [${shape.join(', ')}], far more elements than any request may carry`);
    }
  }
  if (count > maxBytes) {
    throw new InvalidInputError(
      `input '${name}' has shape [${shape.join(', ')}] (${count} elements), more than a message within the limit of ${maxBytes} bytes (BODY_LIMIT_BYTES) can carry`,
    );
  }
  return count;
}

/** "input[0][3][1]": where flat element k of a row-major tensor of this shape sits. */
export function position(name: string, shape: readonly number[], k: number): string {
  const index = new Array<number>(shape.length);
  let rest = k;
  for (let d = shape.length - 1; d >= 0; d--) {
    const dim = shape[d]!;
    index[d] = dim === 0 ? 0 : rest % dim;
    rest = dim === 0 ? 0 : Math.floor(rest / dim);
  }
  return `${name}[${index.join('][')}]`;
}

/** FP32, FP64 or FP16 elements as finite float32 values. */
export function readFloats(tensor: InferInputTensor, count: number): Float32Array {
  if (tensor.raw !== undefined) checkRawLength(tensor, count);
  const out = new Float32Array(count);
  if (tensor.raw !== undefined) {
    decodeFloats(tensor.datatype, tensor.raw, out);
  } else {
    flatten(tensor, count, (value, k) => {
      if (typeof value !== 'number') throw leafError(tensor, k, value, 'a number');
      out[k] = value;
    });
  }
  for (let k = 0; k < count; k++) {
    const v = out[k]!;
    if (!Number.isFinite(v)) {
      const what = Number.isNaN(v) ? 'is NaN' : 'is infinite (or outside the float32 range)';
      throw new InvalidInputError(`${position(tensor.name, tensor.shape, k)} ${what}; only finite numbers are accepted`);
    }
  }
  return out;
}

/** INT64 or INT32 elements as numbers (gRPC's 64-bit contents arrive as decimal strings). */
export function readIntegers(tensor: InferInputTensor, count: number): Float64Array {
  if (tensor.raw !== undefined) checkRawLength(tensor, count);
  const out = new Float64Array(count);
  if (tensor.raw !== undefined) {
    decodeIntegers(tensor.datatype, tensor.raw, out);
  } else {
    flatten(tensor, count, (value, k) => {
      const number = typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value;
      if (typeof number !== 'number') throw leafError(tensor, k, value, 'an integer');
      out[k] = number;
    });
  }
  for (let k = 0; k < count; k++) {
    if (!Number.isSafeInteger(out[k])) {
      throw new InvalidInputError(`${position(tensor.name, tensor.shape, k)} is not an integer in the range of exact numbers`);
    }
  }
  return out;
}

/** BYTES elements as UTF-8 strings. */
export function readStrings(tensor: InferInputTensor, count: number): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const text = (bytes: Uint8Array, k: number): string => {
    try {
      return decoder.decode(bytes);
    } catch {
      throw new InvalidInputError(`${position(tensor.name, tensor.shape, k)} is not valid UTF-8`);
    }
  };
  if (tensor.raw !== undefined) {
    const elements = decodeBytes(tensor.raw, count);
    if (typeof elements === 'string') throw new InvalidInputError(`input '${tensor.name}' has broken BYTES data: ${elements}`);
    return elements.map(text);
  }
  const out = new Array<string>(count);
  flatten(tensor, count, (value, k) => {
    if (typeof value === 'string') out[k] = value;
    else if (value instanceof Uint8Array) out[k] = text(value, k);
    else throw leafError(tensor, k, value, 'a string');
  });
  return out;
}

function checkRawLength(tensor: InferInputTensor, count: number): void {
  const size = ELEMENT_BYTES[tensor.datatype];
  if (size === undefined) throw new Error(`no element size for ${tensor.datatype}`);
  const raw = tensor.raw!;
  if (raw.length !== count * size) {
    throw new InvalidInputError(
      `input '${tensor.name}' has ${raw.length} bytes of binary data; shape [${tensor.shape.join(', ')}] of ${tensor.datatype} needs ${count * size}`,
    );
  }
}

/**
 * Calls `visit` for each leaf of `data` in row-major order, flat or nested any way. Stops at
 * the first element beyond `count`, so a huge array never gets walked to its end for nothing.
 */
function flatten(tensor: InferInputTensor, count: number, visit: (value: unknown, k: number) => void): void {
  if (!Array.isArray(tensor.data)) {
    throw new InvalidInputError(`input '${tensor.name}' needs data: an array of its ${count} elements (flat or nested)`);
  }
  let k = 0;
  const walk = (values: readonly unknown[], depth: number): void => {
    for (const value of values) {
      if (Array.isArray(value)) {
        if (depth >= MAX_RANK) throw new InvalidInputError(`input '${tensor.name}' data is nested deeper than ${MAX_RANK} levels`);
        walk(value, depth + 1);
        continue;
      }
      if (k >= count) throw countError(tensor, count, 'more');
      visit(value, k++);
    }
  };
  walk(tensor.data, 1);
  if (k !== count) throw countError(tensor, count, k);
}

function countError(tensor: InferInputTensor, count: number, got: number | 'more'): Error {
  const has = got === 'more' ? 'more data elements than' : `${got} data elements, but`;
  return new InvalidInputError(`input '${tensor.name}' has ${has} shape [${tensor.shape.join(', ')}] holds ${count}`);
}

function leafError(tensor: InferInputTensor, k: number, value: unknown, expected: string): Error {
  const got = value === null ? 'null' : typeof value;
  return new InvalidInputError(`${position(tensor.name, tensor.shape, k)} is ${got}; ${tensor.datatype} data must be ${expected}`);
}

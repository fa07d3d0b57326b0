// Reader for numpy's .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
//   6 bytes  magic "\x93NUMPY", then major and minor version bytes
//   v1: u16 LE header length; v2, v3: u32 LE header length
//   header   a Python dict literal, e.g. {'descr': '<f8', 'fortran_order': False, 'shape': (6, 3), }
//   rest     the array's bytes
// Only what np.save writes for float arrays is accepted: little-endian '<f4' or '<f8' in C order.
// The header is parsed field by field, never evaluated.

import { ModelPackageError } from './errors.js';
import { decodeFloats, encodingByteSize, type FloatEncoding } from './float-decoding.js';
import { elementCount, formatShape, type Tensor } from './tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const descrEncodings: Readonly<Record<string, FloatEncoding>> = { '<f4': 'f32', '<f8': 'f64' };

interface NpyHeader {
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: readonly number[];
}

function readHeaderBounds(bytes: Uint8Array, file: string): { start: number; length: number; version: number } {
  if (bytes.length < 10 || !MAGIC.every((byte, i) => bytes[i] === byte)) {
    throw new ModelPackageError(`${file}: not a .npy array (missing the \\x93NUMPY magic bytes)`);
  }
  const version = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let start: number;
  let length: number;
  if (version === 1) {
    start = 10;
    length = view.getUint16(8, true);
  } else if (version === 2 || version === 3) {
    if (bytes.length < 12) throw new ModelPackageError(`${file}: .npy file is truncated inside its header length`);
    start = 12;
    length = view.getUint32(8, true);
  } else {
    throw new ModelPackageError(`${file}: .npy format version ${version}.${bytes[7]} is not supported (supported: 1, 2, 3)`);
  }
  if (start + length > bytes.length) {
    throw new ModelPackageError(
      `${file}: .npy header length is ${length} bytes, but only ${bytes.length - start} bytes follow; the file is truncated`,
    );
  }
  return { start, length, version };
}

function parseHeaderText(text: string, file: string): NpyHeader {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) {
    throw new ModelPackageError(`${file}: .npy header is not a dict literal: ${JSON.stringify(trimmed.slice(0, 80))}`);
  }
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(trimmed);
  if (descr === null) {
    throw new ModelPackageError(
      `${file}: .npy array has a structured or missing dtype (descr), expected a plain '<f4' or '<f8' array`,
    );
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(trimmed);
  if (fortran === null) throw new ModelPackageError(`${file}: .npy header has no fortran_order True/False`);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(trimmed);
  if (shapeMatch === null) throw new ModelPackageError(`${file}: .npy header has no shape tuple`);
  const parts = shapeMatch[1]
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (!parts.every((part) => /^\d{1,15}$/.test(part))) {
    throw new ModelPackageError(`${file}: .npy shape (${shapeMatch[1]}) is not a tuple of non-negative integers`);
  }
  return { descr: descr[1], fortranOrder: fortran[1] === 'True', shape: parts.map(Number) };
}

function encodingFor(descr: string, file: string): FloatEncoding {
  const encoding = descrEncodings[descr];
  if (encoding !== undefined) return encoding;
  if (descr.startsWith('>')) {
    throw new ModelPackageError(
      `${file}: dtype '${descr}' is big-endian; expected little-endian '<f4' or '<f8' (save with arr.astype('<f8'))`,
    );
  }
  if (descr.includes('O')) {
    throw new ModelPackageError(`${file}: dtype '${descr}' is an object array; expected a float array '<f4' or '<f8'`);
  }
  throw new ModelPackageError(`${file}: dtype '${descr}' is not supported; expected '<f4' or '<f8'`);
}

/** Parses one .npy array; `file` names it in error messages (e.g. "weights.npz: Wxh.npy"). */
export function parseNpy(bytes: Uint8Array, file: string): Tensor {
  const { start, length, version } = readHeaderBounds(bytes, file);
  // v1 and v2 headers are latin1, v3 is UTF-8; the fields we read are ASCII either way.
  const text = new TextDecoder(version === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + length));
  const header = parseHeaderText(text, file);
  const encoding = encodingFor(header.descr, file);
  if (header.fortranOrder) {
    throw new ModelPackageError(
      `${file}: array is in Fortran (column-major) order; expected C order (save np.ascontiguousarray(arr))`,
    );
  }
  const dataStart = start + length;
  const expectedBytes = elementCount(header.shape) * encodingByteSize[encoding];
  const foundBytes = bytes.length - dataStart;
  if (foundBytes !== expectedBytes) {
    throw new ModelPackageError(
      `${file}: array of shape ${formatShape(header.shape)} and dtype '${header.descr}' needs ${expectedBytes} bytes of data, found ${foundBytes}` +
        (foundBytes < expectedBytes ? ' (truncated)' : ''),
    );
  }
  const data = decodeFloats(bytes, dataStart, elementCount(header.shape), encoding);
  return { dtype: header.descr, shape: header.shape, data };
}

// Reader for the safetensors format (https://github.com/huggingface/safetensors):
//   8 bytes   N, the header length (u64 little-endian)
//   N bytes   JSON header: {"<name>": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"?: {...}}
//   rest      the data area; offsets are relative to its start
// Every length and offset is checked against the buffer before a byte is read, so a corrupted
// file gives a ModelPackageError naming the file and tensor, never an out-of-range read.

import { ModelPackageError } from './errors.js';
import { decodeFloats, encodingByteSize, type FloatEncoding } from './float-decoding.js';
import { elementCount, formatShape, type Tensor, type TensorMap } from './tensor.js';

const dtypeEncodings: Readonly<Record<string, FloatEncoding>> = { F32: 'f32', F16: 'f16', BF16: 'bf16', F64: 'f64' };
const supportedDtypes = Object.keys(dtypeEncodings).join(', ');

/** Same cap as the reference implementation: a larger header is corruption, not a model. */
const MAX_HEADER_BYTES = 100_000_000;

interface TensorEntry {
  readonly name: string;
  readonly dtype: string;
  readonly encoding: FloatEncoding;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function readHeaderLength(bytes: Uint8Array, file: string): number {
  if (bytes.length < 8) {
    throw new ModelPackageError(`${file}: file is ${bytes.length} bytes, too short for the 8-byte safetensors header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  const available = bytes.length - 8;
  if (length > BigInt(Math.min(available, MAX_HEADER_BYTES))) {
    throw new ModelPackageError(
      `${file}: header length is ${length} bytes, but only ${available} bytes follow the length field` +
        (length > BigInt(MAX_HEADER_BYTES) ? ` (and the limit is ${MAX_HEADER_BYTES})` : '') +
        '; the file is truncated or not safetensors',
    );
  }
  return Number(length);
}

function parseHeaderJson(bytes: Uint8Array, headerLength: number, file: string): Record<string, unknown> {
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    throw new ModelPackageError(`${file}: header is not valid UTF-8 text; the file is corrupted or not safetensors`);
  }
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new ModelPackageError(`${file}: header is not valid JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(header)) {
    throw new ModelPackageError(`${file}: header must be a JSON object of tensors, found ${Array.isArray(header) ? 'an array' : typeof header}`);
  }
  return header;
}

function checkMetadata(metadata: unknown, file: string): void {
  if (!isPlainObject(metadata)) {
    throw new ModelPackageError(`${file}: __metadata__ must be an object of strings, found ${JSON.stringify(metadata)}`);
  }
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') {
      throw new ModelPackageError(`${file}: __metadata__ entry '${key}' must be a string, found ${JSON.stringify(value)}`);
    }
  }
}

function readEntry(name: string, raw: unknown, dataLength: number, file: string): TensorEntry {
  const where = `${file}: tensor '${name}'`;
  if (!isPlainObject(raw)) {
    throw new ModelPackageError(`${where} must be an object {dtype, shape, data_offsets}, found ${JSON.stringify(raw)}`);
  }
  const { dtype, shape, data_offsets: offsets } = raw;
  if (typeof dtype !== 'string') {
    throw new ModelPackageError(`${where} has no string dtype, found ${JSON.stringify(dtype)}`);
  }
  const encoding = dtypeEncodings[dtype];
  if (encoding === undefined) {
    throw new ModelPackageError(`${where} has dtype '${dtype}', which is not supported (supported: ${supportedDtypes})`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw new ModelPackageError(`${where} has shape ${JSON.stringify(shape)}, expected an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    throw new ModelPackageError(`${where} has data_offsets ${JSON.stringify(offsets)}, expected [begin, end] non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) {
    throw new ModelPackageError(`${where} has data_offsets [${begin}, ${end}]: begin is after end`);
  }
  if (end > dataLength) {
    throw new ModelPackageError(
      `${where} has data_offsets [${begin}, ${end}], past the end of the data area (${dataLength} bytes); the file is truncated or corrupted`,
    );
  }
  const expectedBytes = elementCount(shape) * encodingByteSize[encoding];
  if (end - begin !== expectedBytes) {
    throw new ModelPackageError(
      `${where} has ${end - begin} bytes of data, expected ${expectedBytes} for shape ${formatShape(shape)} of ${dtype}`,
    );
  }
  return { name, dtype, encoding, shape, begin, end };
}

function checkNoOverlap(entries: readonly TensorEntry[], file: string): void {
  const byBegin = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < byBegin.length; i++) {
    const previous = byBegin[i - 1];
    const current = byBegin[i];
    if (current.begin < previous.end) {
      throw new ModelPackageError(
        `${file}: tensor '${current.name}' (bytes ${current.begin}..${current.end}) overlaps tensor '${previous.name}' (bytes ${previous.begin}..${previous.end})`,
      );
    }
  }
}

/** Parses a whole safetensors file; `file` names it in error messages. */
export function parseSafetensors(bytes: Uint8Array, file: string): TensorMap {
  const headerLength = readHeaderLength(bytes, file);
  const header = parseHeaderJson(bytes, headerLength, file);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const entries: TensorEntry[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') checkMetadata(raw, file);
    else entries.push(readEntry(name, raw, dataLength, file));
  }
  checkNoOverlap(entries, file);
  const tensors = new Map<string, Tensor>();
  for (const entry of entries) {
    const data = decodeFloats(bytes, dataStart + entry.begin, elementCount(entry.shape), entry.encoding);
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return tensors;
}

// Builders for model package files in tests: safetensors and .npy/.npz bytes written from
// scratch or from a fixture with one thing changed, and package folders in a temp directory.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { randomFloats, seededRandom } from '../../src/engine/random-weights.js';
import { gateCount, type Architecture } from '../../src/engine/types.js';

export interface SafetensorsParts {
  /** The parsed JSON header, free to mutate. */
  header: Record<string, unknown>;
  /** The data area (bytes after the header). */
  data: Uint8Array;
}

export function splitSafetensors(bytes: Uint8Array): SafetensorsParts {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString('utf8')) as Record<string, unknown>;
  return { header, data: bytes.slice(8 + headerLength) };
}

/** Writes header and data as a safetensors file; the header is not padded, so data may be unaligned. */
export function joinSafetensors(header: unknown, data: Uint8Array, headerText: string = JSON.stringify(header)): Uint8Array {
  const headerBytes = Buffer.from(headerText, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

export interface TensorBytes {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
}

/** A safetensors file holding the given tensors back to back, in order. */
export function encodeSafetensors(tensors: Record<string, TensorBytes>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata !== undefined ? { __metadata__: metadata } : {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.bytes.length] };
    chunks.push(tensor.bytes);
    offset += tensor.bytes.length;
  }
  return joinSafetensors(header, Buffer.concat(chunks));
}

export function float32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export function float64Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float64Array.from(values).buffer);
}

export function uint16Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Uint16Array.from(values).buffer);
}

export interface NpyOptions {
  readonly descr?: string;
  readonly fortranOrder?: boolean;
  readonly version?: 1 | 2 | 3;
}

/** A .npy file as np.save writes it (header padded to 64 bytes); data is the raw array bytes. */
export function encodeNpy(shape: readonly number[], data: Uint8Array, options: NpyOptions = {}): Uint8Array {
  const { descr = '<f8', fortranOrder = false, version = 1 } = options;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const prefixLength = version === 1 ? 10 : 12;
  const padded = dict.padEnd(Math.ceil((prefixLength + dict.length + 1) / 64) * 64 - prefixLength - 1, ' ') + '\n';
  const headerBytes = Buffer.from(padded, 'latin1');
  const prefix = new Uint8Array(prefixLength);
  prefix.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(prefix.buffer);
  if (version === 1) view.setUint16(8, headerBytes.length, true);
  else view.setUint32(8, headerBytes.length, true);
  return Buffer.concat([prefix, headerBytes, data]);
}

/** An .npz archive of the given .npy files (keys without ".npy"); level > 0 is np.savez_compressed. */
export function encodeNpz(arrays: Record<string, Uint8Array>, level: 0 | 6 = 0): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [key, bytes] of Object.entries(arrays)) entries[`${key}.npy`] = bytes;
  return zipSync(entries, { level });
}

/**
 * Copies a package folder's config.json and weight file into root/<name> (writable, unlike the
 * read-only fixtures), then applies the given file overrides. Returns the new folder.
 */
export function writePackage(root: string, name: string, sourceDir: string, overrides: Record<string, Uint8Array | string | object> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const file of ['config.json', 'model.safetensors', 'weights.npz']) {
    if (file in overrides) continue;
    try {
      writeFileSync(join(dir, file), readFileSync(join(sourceDir, file)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  for (const [file, content] of Object.entries(overrides)) {
    const bytes = typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content, null, 2);
    writeFileSync(join(dir, file), bytes);
  }
  return dir;
}

export function readFixtureConfig(sourceDir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(sourceDir, 'config.json'), 'utf8')) as Record<string, unknown>;
}

/** The config.json keys writeRandomPackage reads; any other key is written through as given. */
export interface RandomPackageConfig {
  readonly architecture: Architecture;
  readonly input_size: number;
  readonly hidden_size: number;
  readonly num_layers?: number;
  readonly output_size?: number;
  readonly vocab?: readonly string[];
  readonly [key: string]: unknown;
}

/**
 * Writes root/name as a torch-layout package (config.json + model.safetensors) whose weights are
 * uniform in (-scale, scale), deterministic for a seed: a model of any shape for tests and benches.
 */
export function writeRandomPackage(root: string, name: string, config: RandomPackageConfig, seed: number, scale = 0.8): string {
  const random = seededRandom(seed);
  const tensor = (shape: number[]): TensorBytes => ({
    dtype: 'F32',
    shape,
    bytes: new Uint8Array(randomFloats(shape.reduce((a, b) => a * b, 1), scale, random).buffer),
  });
  const { input_size: I, hidden_size: H, num_layers: L = 1, output_size: O, vocab } = config;
  const G = gateCount(config.architecture);
  const tensors: Record<string, TensorBytes> = {};
  for (let k = 0; k < L; k++) {
    tensors[`rnn.weight_ih_l${k}`] = tensor([G * H, k === 0 ? I : H]);
    tensors[`rnn.weight_hh_l${k}`] = tensor([G * H, H]);
    tensors[`rnn.bias_ih_l${k}`] = tensor([G * H]);
    tensors[`rnn.bias_hh_l${k}`] = tensor([G * H]);
  }
  if (O !== undefined) {
    tensors['fc.weight'] = tensor([O, H]);
    tensors['fc.bias'] = tensor([O]);
  }
  if (vocab !== undefined) tensors['embedding.weight'] = tensor([vocab.length, I]);
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(tensors));
  return dir;
}

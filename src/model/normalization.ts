// Per-feature affine normalization declared in config.json (`normalization`), so clients send
// and receive raw values: the network sees (x - mean) / std and the client gets y * std + mean
// (after the output activation). Resolved once per package into typed arrays; applying it
// allocates nothing, so the server can run it on its batch buffers.

import type { AffineNormalizationConfig, ModelConfig } from './config-schema.js';

export interface AffineNormalization {
  /** Features per row: mean.length === std.length === width. */
  readonly width: number;
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

export interface PackageNormalization {
  readonly input?: AffineNormalization;
  readonly output?: AffineNormalization;
}

function resolveAffine(affine: AffineNormalizationConfig): AffineNormalization {
  return { width: affine.mean.length, mean: Float64Array.from(affine.mean), std: Float64Array.from(affine.std) };
}

/** The package's normalization as typed arrays; undefined when config.json declares none. */
export function resolveNormalization(config: Pick<ModelConfig, 'normalization'>): PackageNormalization | undefined {
  const declared = config.normalization;
  if (declared?.input === undefined && declared?.output === undefined) return undefined;
  return {
    ...(declared.input !== undefined ? { input: resolveAffine(declared.input) } : {}),
    ...(declared.output !== undefined ? { output: resolveAffine(declared.output) } : {}),
  };
}

function checkLengths(operation: string, width: number, source: Float32Array, target: Float32Array, length: number): void {
  if (!Number.isInteger(length) || length < 0 || length % width !== 0) {
    throw new Error(`${operation}: length ${length} is not a whole number of rows of ${width} features`);
  }
  if (source.length < length || target.length < length) {
    throw new Error(`${operation}: need ${length} values, source has ${source.length} and target ${target.length}`);
  }
}

/**
 * Writes (source - mean) / std into target for the first `length` values (rows of `width`).
 * target may be source (in place). Returns target.
 */
export function normalizeValues(
  normalization: AffineNormalization,
  source: Float32Array,
  target: Float32Array = source,
  length: number = source.length,
): Float32Array {
  const { width, mean, std } = normalization;
  checkLengths('normalizeValues', width, source, target, length);
  for (let row = 0; row < length; row += width) {
    for (let j = 0; j < width; j++) target[row + j] = (source[row + j] - mean[j]) / std[j];
  }
  return target;
}

/**
 * Writes source * std + mean into target for the first `length` values (rows of `width`).
 * target may be source (in place). Returns target.
 */
export function denormalizeValues(
  normalization: AffineNormalization,
  source: Float32Array,
  target: Float32Array = source,
  length: number = source.length,
): Float32Array {
  const { width, mean, std } = normalization;
  checkLengths('denormalizeValues', width, source, target, length);
  for (let row = 0; row < length; row += width) {
    for (let j = 0; j < width; j++) target[row + j] = source[row + j] * std[j] + mean[j];
  }
  return target;
}

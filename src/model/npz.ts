// Reader for .npz archives as written by np.savez / np.savez_compressed: a zip of .npy files,
// one per array, named "<key>.npy". fflate's unzipSync handles stored and deflated entries.

import { unzipSync } from 'fflate';
import { ModelPackageError } from './errors.js';
import { parseNpy } from './npy.js';
import type { Tensor, TensorMap } from './tensor.js';

/** Parses a whole .npz archive into arrays keyed by name without ".npy"; `file` names it in errors. */
export function parseNpz(bytes: Uint8Array, file: string): TensorMap {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new ModelPackageError(`${file}: not a readable zip archive (${(error as Error).message})`, { cause: error });
  }
  const arrays = new Map<string, Tensor>();
  for (const [entryName, entryBytes] of Object.entries(entries)) {
    if (entryName.endsWith('/')) continue; // a directory record holds no array
    if (!entryName.endsWith('.npy')) {
      throw new ModelPackageError(`${file}: entry '${entryName}' is not a .npy array (np.savez writes only <name>.npy entries)`);
    }
    arrays.set(entryName.slice(0, -'.npy'.length), parseNpy(entryBytes, `${file}: ${entryName}`));
  }
  return arrays;
}

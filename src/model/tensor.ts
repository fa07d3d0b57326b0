// A weight tensor as read from a file: its stored dtype and shape, values widened or narrowed
// into float32 (the engine's only precision), row-major.

export interface Tensor {
  /** The dtype as written in the file ('F32', 'F16', 'BF16', 'F64', '<f4', '<f8'). */
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Tensors by name, in the order the file lists them. */
export type TensorMap = ReadonlyMap<string, Tensor>;

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Number of elements of a shape; exact for any shape whose data fits in memory. */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

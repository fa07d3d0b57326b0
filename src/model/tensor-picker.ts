// Takes the tensors a config implies out of a file's tensor map, one by one, checking each
// shape; then insists nothing is left over. Messages name the file, the tensor, the config
// keys that imply it, the expected and the found shape.

import { ModelPackageError } from './errors.js';
import { formatShape, type TensorMap } from './tensor.js';

const MAX_LISTED_NAMES = 16;

function listNames(names: readonly string[]): string {
  const listed = names.slice(0, MAX_LISTED_NAMES).map((name) => `'${name}'`);
  if (names.length > MAX_LISTED_NAMES) listed.push(`and ${names.length - MAX_LISTED_NAMES} more`);
  return listed.length === 0 ? '(none)' : listed.join(', ');
}

export interface ExpectedTensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** The config keys that make this tensor required, e.g. "layer 1 of num_layers 2". */
  readonly impliedBy: string;
  /** How the shape follows from the config, e.g. "4 gates (lstm) x hidden_size 8, input_size 3". */
  readonly shapeReason: string;
}

export class TensorPicker {
  private readonly taken = new Set<string>();
  private readonly expectedNames: string[] = [];

  constructor(
    private readonly tensors: TensorMap,
    private readonly file: string,
  ) {}

  take(expected: ExpectedTensor): Float32Array {
    this.expectedNames.push(expected.name);
    const tensor = this.tensors.get(expected.name);
    if (tensor === undefined) {
      throw new ModelPackageError(
        `${this.file}: missing tensor '${expected.name}' (implied by ${expected.impliedBy}, shape ${formatShape(expected.shape)}); ` +
          `the file has ${listNames([...this.tensors.keys()])}`,
      );
    }
    const sameShape =
      tensor.shape.length === expected.shape.length && tensor.shape.every((dim, i) => dim === expected.shape[i]);
    if (!sameShape) {
      throw new ModelPackageError(
        `${this.file}: tensor '${expected.name}' has shape ${formatShape(tensor.shape)}, config expects ` +
          `${formatShape(expected.shape)} (${expected.shapeReason})`,
      );
    }
    this.checkFinite(expected.name, tensor.data, tensor.shape, tensor.dtype);
    this.taken.add(expected.name);
    return tensor.data;
  }

  /**
   * A NaN or infinite weight would make every answer NaN: such a package must fail to load, not
   * serve. Checked on the float32 values, so a float64 weight too large for float32 is caught.
   */
  private checkFinite(name: string, data: Float32Array, shape: readonly number[], dtype: string): void {
    for (let k = 0; k < data.length; k++) {
      if (Number.isFinite(data[k])) continue;
      const narrowed = /^(F64|<f8)$/.test(dtype) ? ` (the ${dtype} value does not fit in float32, the engine's precision)` : '';
      throw new ModelPackageError(
        `${this.file}: tensor '${name}' has a non-finite value ${data[k]} at ${formatShape(indexOf(k, shape))}${narrowed}; ` +
          'a model with NaN or infinite weights cannot compute anything',
      );
    }
  }

  /** Throws when the file holds a tensor the config does not imply; `explain` says why it is unexpected. */
  finish(explain: (name: string) => string): void {
    const unexpected = [...this.tensors.keys()].filter((name) => !this.taken.has(name));
    if (unexpected.length === 0) return;
    const described = unexpected.slice(0, MAX_LISTED_NAMES).map((name) => `'${name}' (${explain(name)})`);
    throw new ModelPackageError(
      `${this.file}: unexpected tensor${unexpected.length > 1 ? 's' : ''} ${described.join(', ')}` +
        `${unexpected.length > MAX_LISTED_NAMES ? ` and ${unexpected.length - MAX_LISTED_NAMES} more` : ''}; ` +
        `the config implies exactly ${listNames(this.expectedNames)}`,
    );
  }
}

/** The row-major flat index k as a multi-index of `shape`. */
function indexOf(k: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = k % shape[axis]!;
    k = Math.floor(k / shape[axis]!);
  }
  return index;
}

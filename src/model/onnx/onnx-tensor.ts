// Values of an ONNX TensorProto (initializers and Constant nodes): float tensors as Float32Array,
// integer tensors (axes, shapes, indices) as number[]. The element count implied by the dims is
// checked against the bytes or the typed field before anything is read: a tensor that claims
// more data than it holds is refused, never read past its end.

import { ModelPackageError } from '../errors.js';
import { decodeFloats } from '../float-decoding.js';
import { DataType, type OnnxTensor } from './onnx-proto.js';

/** A constant the graph walk can use: its dims and its values widened to float32 or to integers. */
export interface ConstTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly floats?: Float32Array;
  readonly integers?: readonly number[];
}

/** No weight of a model this server can hold has more elements (16 GiB of float32). */
const MAX_ELEMENTS = 2 ** 32;

const byteWidth: Readonly<Record<number, number>> = {
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.FLOAT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
};

const typeNames: Readonly<Record<number, string>> = {
  [DataType.FLOAT]: 'float',
  [DataType.DOUBLE]: 'double',
  [DataType.FLOAT16]: 'float16',
  [DataType.INT32]: 'int32',
  [DataType.INT64]: 'int64',
};

export function dataTypeName(dataType: number): string {
  return typeNames[dataType] ?? `data type ${dataType}`;
}

function elementCountOf(tensor: OnnxTensor, fail: (message: string) => never): number {
  let count = 1;
  for (const dim of tensor.dims) {
    if (dim < 0) fail(`has a negative dimension in dims [${tensor.dims.join(', ')}]`);
    count *= dim;
    if (count > MAX_ELEMENTS) fail(`has dims [${tensor.dims.join(', ')}], more than ${MAX_ELEMENTS} elements`);
  }
  return count;
}

/** Decodes a tensor; `where` names it in errors, e.g. "m/model.onnx: initializer 'W'". */
export function readConstTensor(tensor: OnnxTensor, where: string): ConstTensor {
  const fail = (message: string): never => {
    throw new ModelPackageError(`${where} ${message}`);
  };
  if (tensor.external) fail('keeps its data in an external file; save the model with the weights inside model.onnx');
  const width = byteWidth[tensor.dataType];
  if (width === undefined) {
    fail(`has ${dataTypeName(tensor.dataType)} elements; supported: float, double, float16 (weights) and int32, int64 (shapes, axes, ids)`);
  }
  const count = elementCountOf(tensor, fail);
  const isFloat = tensor.dataType === DataType.FLOAT || tensor.dataType === DataType.DOUBLE || tensor.dataType === DataType.FLOAT16;
  const base = { name: tensor.name, dims: tensor.dims };
  if (tensor.rawData !== undefined) {
    const raw = tensor.rawData;
    if (raw.length !== count * width!) {
      fail(`has ${raw.length} bytes of raw_data, but dims [${tensor.dims.join(', ')}] of ${dataTypeName(tensor.dataType)} need ${count * width!}`);
    }
    if (isFloat) {
      const encoding = tensor.dataType === DataType.FLOAT ? 'f32' : tensor.dataType === DataType.DOUBLE ? 'f64' : 'f16';
      return { ...base, floats: decodeFloats(raw, 0, count, encoding) };
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.length);
    const integers: number[] = new Array<number>(count);
    for (let k = 0; k < count; k++) {
      if (tensor.dataType === DataType.INT32) {
        integers[k] = view.getInt32(k * 4, true);
      } else {
        const value = view.getBigInt64(k * 8, true);
        // Shapes use INT64_MAX for "to the end" (Slice): clamp, every such use is a bound.
        integers[k] = value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER
          : value < BigInt(Number.MIN_SAFE_INTEGER) ? Number.MIN_SAFE_INTEGER : Number(value);
      }
    }
    return { ...base, integers };
  }
  const field =
    tensor.dataType === DataType.FLOAT ? tensor.floatData
      : tensor.dataType === DataType.DOUBLE ? tensor.doubleData
        : tensor.dataType === DataType.INT64 ? tensor.int64Data
          : tensor.int32Data; // INT32 and FLOAT16 (as uint16 bits) live in int32_data
  if (field.length !== count) {
    fail(`holds ${field.length} values, but dims [${tensor.dims.join(', ')}] need ${count}`);
  }
  if (tensor.dataType === DataType.FLOAT16) {
    const bits = new Uint8Array(count * 2);
    const view = new DataView(bits.buffer);
    field.forEach((v, k) => view.setUint16(k * 2, v & 0xffff, true));
    return { ...base, floats: decodeFloats(bits, 0, count, 'f16') };
  }
  return isFloat ? { ...base, floats: Float32Array.from(field) } : { ...base, integers: [...field] };
}

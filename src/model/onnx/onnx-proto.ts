// Decodes model.onnx (a protobuf ModelProto) with protobufjs, against the subset of onnx.proto
// (github.com/onnx/onnx, onnx/onnx.proto, IR version 8) this loader reads: field numbers as in
// the official file, everything else skipped by the decoder. Subgraphs and functions are kept
// as opaque bytes, only to say they are there (the loader refuses them).
//
// The result is plain objects with int64 values turned into numbers (a value past 2^53 is an
// error, never a rounded number) and counts bounded, so what follows never meets a Long, a
// missing array or a million nodes.

import protobuf from 'protobufjs/light.js';
import { ModelPackageError } from '../errors.js';

const onnxSubset = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            graph: { type: 'GraphProto', id: 7 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            functions: { rule: 'repeated', type: 'bytes', id: 25 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            sparse_initializer: { rule: 'repeated', type: 'bytes', id: 15 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'bytes', id: 6 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            graphs: { rule: 'repeated', type: 'bytes', id: 11 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            data_type: { type: 'int32', id: 2 },
            float_data: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
            int32_data: { rule: 'repeated', type: 'int32', id: 5, options: { packed: true } },
            int64_data: { rule: 'repeated', type: 'int64', id: 7, options: { packed: true } },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
            double_data: { rule: 'repeated', type: 'double', id: 10, options: { packed: true } },
            external_data: { rule: 'repeated', type: 'bytes', id: 13 },
            data_location: { type: 'int32', id: 14 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        TypeProto: { fields: { tensor_type: { type: 'TypeProtoTensor', id: 1 } } },
        TypeProtoTensor: { fields: { elem_type: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dim_value: { type: 'int64', id: 1 }, dim_param: { type: 'string', id: 2 } } },
      },
    },
  },
};

/** The ModelProto message type of the subset (tests and tools encode graphs with it). */
export const ModelProto = protobuf.Root.fromJSON(onnxSubset).lookupType('onnx.ModelProto');

/** Bounds on what a recurrent model's graph can reasonably hold; more is corruption or another kind of model. */
export const ONNX_LIMITS = { nodes: 10_000, initializers: 10_000, attributes: 64, rank: 8, namesPerNode: 64 } as const;

/** ONNX TensorProto.DataType values the loader reads. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;

export interface OnnxTensor {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly floatData: readonly number[];
  readonly int32Data: readonly number[];
  readonly int64Data: readonly number[];
  readonly doubleData: readonly number[];
  readonly rawData?: Uint8Array;
  readonly external: boolean;
}

export interface OnnxAttribute {
  readonly name: string;
  readonly type: number;
  readonly f: number;
  readonly i: number;
  readonly s: string;
  readonly t?: OnnxTensor;
  readonly floats: readonly number[];
  readonly ints: readonly number[];
  readonly strings: readonly string[];
  readonly hasGraph: boolean;
}

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType?: number;
  /** Declared dims: a number (dim_value), a string (dim_param) or undefined; absent without a shape. */
  readonly dims?: readonly (number | string | undefined)[];
}

export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxTensor[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly hasSparseInitializers: boolean;
}

export interface OnnxModel {
  readonly irVersion: number;
  readonly producer: string;
  /** opset version by domain ('' is the default ONNX domain). */
  readonly opsets: ReadonlyMap<string, number>;
  readonly graph: OnnxGraph;
  readonly hasFunctions: boolean;
}

type Raw = Record<string, unknown>;

class Converter {
  constructor(private readonly file: string) {}

  fail(message: string): never {
    throw new ModelPackageError(`${this.file}: ${message}`);
  }

  /** int64 (a number or a protobufjs Long) as an exact JS number. */
  int(value: unknown, what: string): number {
    if (value === undefined || value === null) return 0;
    const n = typeof value === 'number' ? value : (value as { toNumber?: () => number }).toNumber?.();
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) this.fail(`${what} is ${String(value)}, outside the exact integer range`);
    return n;
  }

  ints(values: unknown, what: string, max: number): number[] {
    const list = this.list(values, what, max);
    return list.map((v, k) => this.int(v, `${what}[${k}]`));
  }

  list(values: unknown, what: string, max: number): unknown[] {
    if (values === undefined || values === null) return [];
    if (!Array.isArray(values)) this.fail(`${what} is not a list`);
    if (values.length > max) this.fail(`${what} has ${values.length} entries, more than the ${max} a recurrent model's graph can hold`);
    return values;
  }

  text(value: unknown): string {
    return typeof value === 'string' ? value : '';
  }

  bytesText(value: unknown): string {
    return value instanceof Uint8Array ? new TextDecoder().decode(value) : '';
  }

  tensor(raw: Raw, where: string): OnnxTensor {
    const name = this.text(raw.name);
    const label = `${where} '${name}'`;
    const dims = this.ints(raw.dims, `${label} dims`, ONNX_LIMITS.rank);
    const numbers = (key: string): number[] => (Array.isArray(raw[key]) ? (raw[key] as number[]) : []);
    return {
      name,
      dims,
      dataType: typeof raw.data_type === 'number' ? raw.data_type : 0,
      floatData: numbers('float_data'),
      int32Data: numbers('int32_data'),
      int64Data: Array.isArray(raw.int64_data) ? (raw.int64_data as unknown[]).map((v, k) => this.int(v, `${label} int64_data[${k}]`)) : [],
      doubleData: numbers('double_data'),
      ...(raw.raw_data instanceof Uint8Array && raw.raw_data.length > 0 ? { rawData: raw.raw_data } : {}),
      external: raw.data_location === 1 || (Array.isArray(raw.external_data) && raw.external_data.length > 0),
    };
  }

  attribute(raw: Raw, node: string): OnnxAttribute {
    const name = this.text(raw.name);
    const where = `node '${node}' attribute '${name}'`;
    return {
      name,
      type: typeof raw.type === 'number' ? raw.type : 0,
      f: typeof raw.f === 'number' ? raw.f : 0,
      i: this.int(raw.i, `${where} i`),
      s: this.bytesText(raw.s),
      ...(raw.t !== undefined && raw.t !== null ? { t: this.tensor(raw.t as Raw, `${where} tensor`) } : {}),
      floats: Array.isArray(raw.floats) ? (raw.floats as number[]) : [],
      ints: this.ints(raw.ints, `${where} ints`, 1 << 16),
      strings: this.list(raw.strings, `${where} strings`, 1 << 10).map((s) => this.bytesText(s)),
      hasGraph: raw.g instanceof Uint8Array || (Array.isArray(raw.graphs) && raw.graphs.length > 0),
    };
  }

  node(raw: Raw, index: number): OnnxNode {
    const opType = this.text(raw.op_type);
    const name = this.text(raw.name) || `#${index} (${opType || 'no op_type'})`;
    const attributes = new Map<string, OnnxAttribute>();
    for (const a of this.list(raw.attribute, `node '${name}' attributes`, ONNX_LIMITS.attributes)) {
      const attribute = this.attribute(a as Raw, name);
      attributes.set(attribute.name, attribute);
    }
    const names = (key: string): string[] =>
      this.list(raw[key], `node '${name}' ${key}s`, ONNX_LIMITS.namesPerNode).map((s) => this.text(s));
    return { name, opType, domain: this.text(raw.domain), inputs: names('input'), outputs: names('output'), attributes };
  }

  valueInfo(raw: Raw): OnnxValueInfo {
    const name = this.text(raw.name);
    const tensorType = (raw.type as Raw | undefined)?.tensor_type as Raw | undefined;
    if (tensorType === undefined || tensorType === null) return { name };
    const elemType = typeof tensorType.elem_type === 'number' ? tensorType.elem_type : undefined;
    const shape = tensorType.shape as Raw | undefined;
    if (shape === undefined || shape === null) return { name, ...(elemType !== undefined ? { elemType } : {}) };
    const dims = this.list(shape.dim, `input '${name}' dims`, ONNX_LIMITS.rank).map((d, k) => {
      const dim = d as Raw;
      if (typeof dim.dim_param === 'string' && dim.dim_param !== '') return dim.dim_param;
      if (dim.dim_value !== undefined && dim.dim_value !== null) return this.int(dim.dim_value, `input '${name}' dim ${k}`);
      return undefined;
    });
    return { name, ...(elemType !== undefined ? { elemType } : {}), dims };
  }
}

/** Decodes model.onnx; every problem is a ModelPackageError naming `file`. */
export function decodeOnnxModel(bytes: Uint8Array, file: string): OnnxModel {
  const convert: Converter = new Converter(file);
  let message: Raw;
  try {
    message = ModelProto.decode(bytes) as unknown as Raw;
  } catch (error) {
    throw new ModelPackageError(
      `${file}: not a valid ONNX protobuf (${(error as Error).message}); the file is truncated, corrupted or not ONNX`,
      { cause: error },
    );
  }
  const graph = message.graph as Raw | undefined;
  if (graph === undefined || graph === null) convert.fail('has no graph; the file is empty, truncated or not ONNX');
  const opsets = new Map<string, number>();
  for (const entry of convert.list(message.opset_import, 'opset_import', 64)) {
    const opset = entry as Raw;
    opsets.set(convert.text(opset.domain), convert.int(opset.version, 'opset version'));
  }
  const nodes = convert.list(graph.node, 'graph nodes', ONNX_LIMITS.nodes).map((n, k) => convert.node(n as Raw, k));
  const initializers = convert
    .list(graph.initializer, 'graph initializers', ONNX_LIMITS.initializers)
    .map((t) => convert.tensor(t as Raw, 'initializer'));
  return {
    irVersion: convert.int(message.ir_version, 'ir_version'),
    producer: [convert.text(message.producer_name), convert.text(message.producer_version)].filter((s) => s !== '').join(' '),
    opsets,
    graph: {
      nodes,
      initializers,
      inputs: convert.list(graph.input, 'graph inputs', ONNX_LIMITS.initializers).map((v) => convert.valueInfo(v as Raw)),
      outputs: convert.list(graph.output, 'graph outputs', ONNX_LIMITS.namesPerNode).map((v) => convert.valueInfo(v as Raw)),
      hasSparseInitializers: Array.isArray(graph.sparse_initializer) && graph.sparse_initializer.length > 0,
    },
    hasFunctions: Array.isArray(message.functions) && message.functions.length > 0,
  };
}

// ModelInferRequest / ModelInferResponse (proto/inference.proto, as @grpc/proto-loader gives them)
// to and from the transport-neutral request of src/oip/types.ts. Inputs come either all as
// raw_input_contents (little-endian bytes, in input order) or each as typed contents.
import { InvalidInputError } from '../errors.js';
import type { InferInputTensor, InferRequest, InferResponse, Parameters, ParameterValue } from '../oip/types.js';

/** InferParameter with oneofs: the chosen field's name and its value. */
export interface GrpcParameter {
  parameter_choice?: string;
  bool_param?: boolean;
  int64_param?: string;
  string_param?: string;
  double_param?: number;
  uint64_param?: string;
}

interface GrpcContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: string[];
  uint_contents?: number[];
  uint64_contents?: string[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Buffer[];
}

export interface GrpcInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: Record<string, GrpcParameter>;
  inputs?: {
    name?: string;
    datatype?: string;
    shape?: string[];
    parameters?: Record<string, GrpcParameter>;
    contents?: GrpcContents;
  }[];
  outputs?: { name?: string; parameters?: Record<string, GrpcParameter> }[];
  raw_input_contents?: Buffer[];
}

/** The typed contents field of each datatype. */
const CONTENTS_FIELD: Readonly<Record<string, keyof GrpcContents>> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

export function fromGrpcRequest(message: GrpcInferRequest): InferRequest {
  const inputs = message.inputs ?? [];
  const raw = message.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw new InvalidInputError(`raw_input_contents has ${raw.length} entries for ${inputs.length} inputs; give one per input, in order`);
  }
  return {
    model: message.model_name ?? '',
    ...(message.model_version ? { version: message.model_version } : {}),
    ...(message.id ? { id: message.id } : {}),
    parameters: fromGrpcParameters(message.parameters),
    inputs: inputs.map((input, i): InferInputTensor => {
      const name = input.name ?? '';
      const datatype = input.datatype ?? '';
      const shape = (input.shape ?? []).map(Number);
      const base = { name, datatype, shape, parameters: fromGrpcParameters(input.parameters) };
      const field = CONTENTS_FIELD[datatype];
      const typed = input.contents !== undefined && input.contents !== null && field !== undefined ? input.contents[field] : undefined;
      if (raw.length > 0) {
        if (typed !== undefined && typed.length > 0) {
          throw new InvalidInputError(`input '${name}' has contents, but the request uses raw_input_contents: use one or the other for all inputs`);
        }
        return { ...base, raw: raw[i]! };
      }
      return typed !== undefined && typed.length > 0 ? { ...base, data: typed } : base;
    }),
    ...((message.outputs ?? []).length > 0 ? { outputs: message.outputs!.map((output) => ({ name: output.name ?? '' })) } : {}),
  };
}

/** 64-bit integers become numbers while exact; beyond 2^53 they stay decimal strings (an id keeps every digit). */
export function fromGrpcParameters(parameters: Record<string, GrpcParameter> | undefined): Parameters {
  const out: Record<string, ParameterValue> = {};
  for (const [key, parameter] of Object.entries(parameters ?? {})) {
    const choice = parameter.parameter_choice as keyof GrpcParameter | undefined;
    if (choice === undefined || choice === 'parameter_choice') continue;
    const value = parameter[choice];
    if (value === undefined) continue;
    if (choice === 'int64_param' || choice === 'uint64_param') {
      const number = Number(value);
      out[key] = Number.isSafeInteger(number) ? number : String(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** Every output as raw_output_contents: little-endian FP32, views of the results (no copy). */
export function toGrpcResponse(response: InferResponse) {
  return {
    model_name: response.modelName,
    model_version: response.modelVersion,
    id: response.id ?? '',
    outputs: response.outputs.map(({ name, datatype, shape }) => ({ name, datatype, shape: [...shape] })),
    raw_output_contents: response.outputs.map(({ data }) => Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
  };
}

// The body of POST /v2/models/{m}/infer and of its answer: a JSON inference request, optionally
// followed by binary tensor data (Triton's binary tensor extension: Inference-Header-Content-Length
// gives the JSON's length, each binary input says its binary_data_size, in input order). The raw
// body is parsed here, not by Fastify's JSON parser, so every size it claims is checked against
// the bytes that really came: header length <= body, binary sizes adding up to what follows.
import { float32RowToJson } from '../codec/float32-json.js';
import { abbreviated } from '../error-handler.js';
import { InvalidInputError } from '../errors.js';
import type { InferInputTensor, InferRequest, InferResponse, Parameters, ParameterValue, RequestedOutput } from './types.js';

export const HEADER_LENGTH_HEADER = 'inference-header-content-length';

export interface ParsedInferBody {
  readonly request: InferRequest;
  /** binary_data_output: outputs come back as binary data unless one says otherwise. */
  readonly binaryByDefault: boolean;
}

/** The model the URL names: its input_size shapes a raw binary request. */
export interface InferTarget {
  readonly model: string;
  readonly version: string | undefined;
  readonly inputSize: number;
}

/** `headerLength`: the Inference-Header-Content-Length header as sent (undefined: the body is all JSON). */
export function parseInferBody(body: Buffer, headerLength: string | undefined, target: InferTarget): ParsedInferBody {
  const { model, version } = target;
  const jsonLength = readHeaderLength(headerLength, body.length);
  if (jsonLength === 0 && headerLength !== undefined) return rawBinaryRequest(body, target);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8', 0, jsonLength));
  } catch {
    const which = headerLength === undefined ? 'the body' : `the first ${jsonLength} bytes of the body (Inference-Header-Content-Length)`;
    throw new InvalidInputError(`${which} is not valid JSON`);
  }
  return fromJson(json, body.subarray(jsonLength), headerLength !== undefined, model, version);
}

function readHeaderLength(value: string | undefined, bodyLength: number): number {
  if (value === undefined) return bodyLength;
  const trimmed = value.trim();
  if (!/^\d{1,15}$/.test(trimmed)) {
    throw new InvalidInputError(`Inference-Header-Content-Length '${value.slice(0, 32)}' is not a byte count`);
  }
  const length = Number(trimmed);
  if (length > bodyLength) {
    throw new InvalidInputError(`Inference-Header-Content-Length is ${length} but the body has only ${bodyLength} bytes`);
  }
  return length;
}

/**
 * Header length 0 (the extension's raw binary request): the whole body is the one input,
 * `input` FP32 [1, T, input_size], T deduced from its size; every output comes back binary.
 */
function rawBinaryRequest(body: Buffer, target: InferTarget): ParsedInferBody {
  const rowBytes = 4 * target.inputSize;
  if (body.length === 0 || body.length % rowBytes !== 0) {
    throw new InvalidInputError(
      `a raw binary request (Inference-Header-Content-Length 0) carries 'input' as FP32 rows of ${target.inputSize} values (${rowBytes} bytes each); this body has ${body.length} bytes`,
    );
  }
  return {
    request: {
      model: target.model,
      ...(target.version !== undefined ? { version: target.version } : {}),
      parameters: {},
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, body.length / rowBytes, target.inputSize], raw: body }],
    },
    binaryByDefault: true,
  };
}

function fromJson(json: unknown, binary: Buffer, hasHeaderLength: boolean, model: string, version: string | undefined): ParsedInferBody {
  const request = object(json, 'the inference request', REQUEST_KEYS);
  const parameters = readParameters(request.parameters, 'parameters');
  const id = request.id;
  if (id !== undefined && typeof id !== 'string') throw new InvalidInputError('id must be a string');
  if (!Array.isArray(request.inputs)) throw new InvalidInputError('inputs must be an array of input tensors');
  let offset = 0;
  const inputs = request.inputs.map((value: unknown, i: number): InferInputTensor => {
    const where = `inputs[${i}]`;
    const tensor = object(value, where, INPUT_KEYS);
    if (typeof tensor.name !== 'string') throw new InvalidInputError(`${where}.name must be a string`);
    const name = tensor.name;
    if (typeof tensor.datatype !== 'string') throw new InvalidInputError(`input '${name}' needs a datatype (a string such as "FP32")`);
    if (!Array.isArray(tensor.shape) || !tensor.shape.every((dim) => typeof dim === 'number')) {
      throw new InvalidInputError(`input '${name}' needs a shape: an array of integers`);
    }
    const tensorParameters = readParameters(tensor.parameters, `input '${name}' parameters`);
    const base = { name, datatype: tensor.datatype, shape: tensor.shape as number[], parameters: tensorParameters };
    const size = tensorParameters.binary_data_size;
    if (size === undefined) return { ...base, data: tensor.data };
    if (tensor.data !== undefined) throw new InvalidInputError(`input '${name}' has both data and binary_data_size; send one`);
    if (!hasHeaderLength) {
      throw new InvalidInputError(`input '${name}' has binary_data_size but the request has no Inference-Header-Content-Length header`);
    }
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new InvalidInputError(`input '${name}' binary_data_size must be a non-negative integer`);
    }
    if (offset + size > binary.length) {
      throw new InvalidInputError(
        `input '${name}' says binary_data_size ${size}, but only ${binary.length - offset} bytes of binary data remain after the JSON header`,
      );
    }
    const raw = binary.subarray(offset, offset + size);
    offset += size;
    return { ...base, raw };
  });
  if (offset !== binary.length) {
    throw new InvalidInputError(
      `${binary.length} bytes of binary data follow the JSON header, but the inputs' binary_data_size add up to ${offset}`,
    );
  }
  const binaryByDefault = parameters.binary_data_output === true;
  return {
    request: {
      model,
      ...(version !== undefined ? { version } : {}),
      ...(id !== undefined ? { id } : {}),
      parameters,
      inputs,
      ...(request.outputs !== undefined ? { outputs: readOutputs(request.outputs) } : {}),
    },
    binaryByDefault,
  };
}

function readOutputs(value: unknown): RequestedOutput[] {
  if (!Array.isArray(value)) throw new InvalidInputError('outputs must be an array of {name, parameters?}');
  return value.map((entry: unknown, i: number) => {
    const output = object(entry, `outputs[${i}]`, OUTPUT_KEYS);
    if (typeof output.name !== 'string') throw new InvalidInputError(`outputs[${i}].name must be a string`);
    const parameters = readParameters(output.parameters, `output '${output.name}' parameters`);
    const binary = parameters.binary_data;
    if (binary !== undefined && typeof binary !== 'boolean') {
      throw new InvalidInputError(`output '${output.name}' binary_data must be true or false`);
    }
    return binary === undefined ? { name: output.name } : { name: output.name, binary };
  });
}

function readParameters(value: unknown, where: string): Parameters {
  if (value === undefined || value === null) return {};
  const entries = Object.entries(object(value, where));
  const out: Record<string, ParameterValue> = {};
  for (const [key, entry] of entries) {
    if (typeof entry !== 'string' && typeof entry !== 'number' && typeof entry !== 'boolean') {
      throw new InvalidInputError(`${where}.${key} must be a string, a number or a boolean`);
    }
    out[key] = entry;
  }
  return out;
}

// The protocol's fields (KServe inference_request, request_input, request_output). As on /v1, a
// field outside them (a typo such as "input" or "shapes") is refused, not ignored; `parameters`
// objects stay open, since carrying anything is what the parameters extension is for.
const REQUEST_KEYS = new Set(['id', 'parameters', 'inputs', 'outputs']);
const INPUT_KEYS = new Set(['name', 'shape', 'datatype', 'parameters', 'data']);
const OUTPUT_KEYS = new Set(['name', 'parameters']);

/** `value` as an object; with `known`, every key must be one of them. */
function object(value: unknown, where: string, known?: ReadonlySet<string>): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInputError(`${where} must be a JSON object`);
  if (known !== undefined) {
    for (const key of Object.keys(value)) {
      if (!known.has(key)) {
        throw new InvalidInputError(`${where} has an unknown field '${abbreviated(key, 40)}'; allowed: ${[...known].join(', ')}`);
      }
    }
  }
  return value as Record<string, unknown>;
}

export interface InferBodyOut {
  /** A JSON string when no output is binary, else the JSON header followed by the tensors' bytes. */
  readonly payload: string | Buffer;
  /** Set when the payload has binary data: the Inference-Header-Content-Length to send. */
  readonly headerLength?: number;
}

export function writeInferBody(response: InferResponse): InferBodyOut {
  // Written by hand, not with JSON.stringify over Array.from(data): the values go straight from
  // the Float32Array into the text (floatsJson), with no array of boxed numbers on the way.
  const binaries: Buffer[] = [];
  let outputs = '';
  for (const output of response.outputs) {
    const { name, datatype, shape, data } = output;
    const head = `{"name":${JSON.stringify(name)},"datatype":"${datatype}","shape":[${shape.join(',')}]`;
    if (output.binary) {
      // A view of the result's memory: no copy until the one concatenation below.
      binaries.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      outputs += `${outputs === '' ? '' : ','}${head},"parameters":{"binary_data_size":${data.byteLength}}}`;
    } else {
      outputs += `${outputs === '' ? '' : ','}${head},"data":${floatsJson(data)}}`;
    }
  }
  const id = response.id !== undefined ? `,"id":${JSON.stringify(response.id)}` : '';
  const json = `{"model_name":${JSON.stringify(response.modelName)},"model_version":${JSON.stringify(response.modelVersion)}${id},"outputs":[${outputs}]}`;
  if (binaries.length === 0) return { payload: json };
  const header = Buffer.from(json, 'utf8');
  return { payload: Buffer.concat([header, ...binaries]), headerLength: header.length };
}

/**
 * A Float32Array's values as a JSON array, each the shortest decimal that reads back as the same
 * float32, as every JSON answer writes them (src/codec/float32-json.ts); a non-finite value (an
 * overflowing network) is null, as JSON.stringify writes it.
 */
export function floatsJson(data: Float32Array): string {
  return float32RowToJson(data, 0, data.length);
}

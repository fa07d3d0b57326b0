// The tensor contract of every model over the Open Inference Protocol (README "Open Inference
// Protocol"): which named tensors a request may carry, their datatypes and shapes, and how they
// become the dataplane's sequences; and the output tensors built from its results.
//
// Inputs:  `input` FP32 (FP64, FP16 accepted) [B, T, input_size] or [T, input_size];
//          token models also `tokens` INT64/INT32 [B, T] or [T], or `text` BYTES [B] (or [B, 1]);
//          optional `state_h` [B, num_layers, hidden_size] and, for lstm, `state_c` (both or neither);
//          a bidirectional model's states have num_layers x 2 rows (PyTorch's h_n order).
// Outputs: `output` FP32 [B, T, output_size], `state_h`, `state_c` (lstm): rank as the input's
//          (no batch axis when the input had none). A request's `outputs` list selects them.
import { InvalidInputError } from '../errors.js';
import type { ModelInfo } from '../schemas/models.js';
import type { PredictInput, SequenceOutcome } from '../service/inference-service.js';
import type { ServedModel } from '../service/served-model.js';
import { FLOAT_TYPES, INTEGER_TYPES } from './datatypes.js';
import { elementCount, readFloats, readIntegers, readStrings } from './tensor-decode.js';
import type { InferInputTensor, InferOutputTensor, InferRequest, RequestedOutput } from './types.js';

export interface ContractLimits {
  readonly maxSequenceLength: number;
  /** BODY_LIMIT_BYTES: bounds every tensor's element count before it is allocated. */
  readonly maxMessageBytes: number;
}

export interface TensorMetadata {
  readonly name: string;
  readonly datatype: string;
  readonly shape: number[];
}

/** A request's tensors as the dataplane's sequences. */
export interface DecodedInputs {
  /** B sequences of `steps` elements each, with their start states (absent: zeros). */
  readonly sequences: readonly PredictInput[];
  readonly steps: number;
  /** The tensor the sequences came from: input, tokens or text (error messages name it). */
  readonly sequenceInput: string;
  /** False when the input had no batch axis: the outputs have none either. */
  readonly batched: boolean;
  /** The outputs to return, in order, with their binary choice (undefined: the request's default). */
  readonly outputs: readonly RequestedOutput[];
}

const SEQUENCE_INPUTS = ['input', 'tokens', 'text'] as const;

export function inputNames(model: Pick<ServedModel, 'vocabIndex' | 'stateLayout'>): string[] {
  return [
    'input',
    ...(model.vocabIndex !== undefined ? ['tokens', 'text'] : []),
    'state_h',
    ...(model.stateLayout.architecture === 'lstm' ? ['state_c'] : []),
  ];
}

export function outputNames(model: Pick<ServedModel, 'stateLayout'>): string[] {
  return ['output', 'state_h', ...(model.stateLayout.architecture === 'lstm' ? ['state_c'] : [])];
}

export function decodeInputs(model: ServedModel, request: InferRequest, limits: ContractLimits): DecodedInputs {
  const accepted = inputNames(model);
  const byName = new Map<string, InferInputTensor>();
  for (const tensor of request.inputs) {
    if (!accepted.includes(tensor.name)) {
      throw new InvalidInputError(`model '${model.name}' has no input '${tensor.name}'; its inputs are ${accepted.join(', ')}`);
    }
    if (byName.has(tensor.name)) throw new InvalidInputError(`input '${tensor.name}' is given twice`);
    byName.set(tensor.name, tensor);
  }
  const given = SEQUENCE_INPUTS.filter((name) => byName.has(name));
  if (given.length !== 1) {
    const choices = model.vocabIndex !== undefined ? 'input, tokens or text' : 'input';
    const what = given.length === 0 ? 'none was given' : `it has ${given.join(' and ')}`;
    throw new InvalidInputError(`the request needs exactly one of ${choices} (model '${model.name}'); ${what}`);
  }
  const main = byName.get(given[0]!)!;
  const sequences = decodeSequences(model, main, limits);
  const batched = main.name === 'text' || main.shape.length === (main.name === 'input' ? 3 : 2);
  const states = decodeStates(model, byName.get('state_h'), byName.get('state_c'), sequences.rows.length, batched, limits);
  return {
    sequences: sequences.rows.map((row, b) => (states === undefined ? row : { ...row, state: states[b] })),
    steps: sequences.steps,
    sequenceInput: main.name,
    batched,
    outputs: selectOutputs(model, request.outputs),
  };
}

interface Sequences {
  readonly rows: PredictInput[];
  readonly steps: number;
}

function decodeSequences(model: ServedModel, tensor: InferInputTensor, limits: ContractLimits): Sequences {
  const { name, shape } = tensor;
  const rank = shape.length;
  const count = elementCount(tensor, limits.maxMessageBytes);
  if (name === 'input') {
    requireDatatype(tensor, FLOAT_TYPES, 'FP32 (FP64 and FP16 are accepted too)');
    requireRank(tensor, [2, 3], `[B, T, ${model.inputSize}] or [T, ${model.inputSize}]`);
    const I = shape[rank - 1]!;
    if (I !== model.inputSize) {
      throw new InvalidInputError(
        `input 'input' has shape [${shape.join(', ')}]: its last dimension is ${I}, model '${model.name}' expects input_size ${model.inputSize}`,
      );
    }
    const { batch, steps } = batchAndSteps(tensor, limits);
    const values = readFloats(tensor, count);
    const width = steps * I;
    return { rows: rowsOf(batch, (b) => ({ vectors: values.subarray(b * width, (b + 1) * width) })), steps };
  }
  if (name === 'tokens') {
    requireDatatype(tensor, INTEGER_TYPES, 'INT64 or INT32');
    requireRank(tensor, [1, 2], '[B, T] or [T]');
    const { batch, steps } = batchAndSteps(tensor, limits);
    const ids = readIntegers(tensor, count);
    return { rows: rowsOf(batch, (b) => ({ tokens: Array.from(ids.subarray(b * steps, (b + 1) * steps)) })), steps };
  }
  // text: one string per sequence.
  requireDatatype(tensor, ['BYTES'], 'BYTES');
  requireRank(tensor, [1, 2], '[B] or [B, 1]');
  if (rank === 2 && shape[1] !== 1) {
    throw new InvalidInputError(`input 'text' has shape [${shape.join(', ')}]; it takes one string per sequence: [B] or [B, 1]`);
  }
  const texts = readStrings(tensor, count);
  if (texts.length === 0) throw new InvalidInputError(`input 'text' has no strings (shape [${shape.join(', ')}])`);
  const lengths = texts.map((text) => Array.from(text).length);
  const steps = lengths[0]!;
  const other = lengths.findIndex((length) => length !== steps);
  if (other >= 0) {
    throw new InvalidInputError(
      `text[${other}] has ${lengths[other]} characters but text[0] has ${steps}: the sequences of one request must have the same length (the output is one [B, T, ${model.outputSize}] tensor)`,
    );
  }
  return { rows: texts.map((text) => ({ text })), steps };
}

function batchAndSteps(tensor: InferInputTensor, limits: ContractLimits): { batch: number; steps: number } {
  const { shape, name } = tensor;
  const hasBatch = shape.length === (name === 'input' ? 3 : 2);
  const batch = hasBatch ? shape[0]! : 1;
  const steps = shape[hasBatch ? 1 : 0]!;
  if (batch < 1 || steps < 1) {
    throw new InvalidInputError(`input '${name}' has shape [${shape.join(', ')}]: no sequence or an empty one (B and T must be at least 1)`);
  }
  if (steps > limits.maxSequenceLength) {
    throw new InvalidInputError(
      `input '${name}' has ${steps} elements per sequence, more than the limit of ${limits.maxSequenceLength} (MAX_SEQUENCE_LENGTH)`,
    );
  }
  return { batch, steps };
}

/** state_h / state_c as the dataplane's {h, c?} per sequence; undefined when neither is given. */
function decodeStates(
  model: ServedModel,
  stateH: InferInputTensor | undefined,
  stateC: InferInputTensor | undefined,
  batch: number,
  batched: boolean,
  limits: ContractLimits,
): { h: number[][]; c?: number[][] }[] | undefined {
  if (stateH === undefined && stateC === undefined) return undefined;
  const lstm = model.stateLayout.architecture === 'lstm';
  if (lstm && (stateH === undefined || stateC === undefined)) {
    throw new InvalidInputError(
      `model '${model.name}' is an lstm: give both state_h and state_c, or neither (zeros); only ${stateH !== undefined ? 'state_h' : 'state_c'} was given`,
    );
  }
  const h = stateRows(model, stateH!, batch, batched, limits);
  const c = lstm ? stateRows(model, stateC!, batch, batched, limits) : undefined;
  return h.map((rows, b) => (c === undefined ? { h: rows } : { h: rows, c: c[b]! }));
}

function stateRows(model: ServedModel, tensor: InferInputTensor, batch: number, batched: boolean, limits: ContractLimits): number[][][] {
  const { numLayers: L, hiddenSize: H } = model.stateLayout;
  requireDatatype(tensor, FLOAT_TYPES, 'FP32 (FP64 and FP16 are accepted too)');
  const count = elementCount(tensor, limits.maxMessageBytes);
  const expected = batched ? [batch, L, H] : [L, H];
  const { shape } = tensor;
  if (shape.length !== expected.length || shape.some((dim, d) => dim !== expected[d])) {
    throw new InvalidInputError(
      `input '${tensor.name}' has shape [${shape.join(', ')}]; model '${model.name}' with this input needs [${expected.join(', ')}] ([B, num_layers, hidden_size]${batched ? '' : ' without B, as the input has none'})`,
    );
  }
  const values = readFloats(tensor, count);
  return rowsOf(batch, (b) => rowsOf(L, (l) => Array.from(values.subarray((b * L + l) * H, (b * L + l + 1) * H))));
}

function selectOutputs(model: ServedModel, requested: readonly RequestedOutput[] | undefined): RequestedOutput[] {
  const names = outputNames(model);
  if (requested === undefined || requested.length === 0) return names.map((name) => ({ name }));
  const seen = new Set<string>();
  for (const output of requested) {
    if (!names.includes(output.name)) {
      throw new InvalidInputError(`model '${model.name}' has no output '${output.name}'; its outputs are ${names.join(', ')}`);
    }
    if (seen.has(output.name)) throw new InvalidInputError(`output '${output.name}' is requested twice`);
    seen.add(output.name);
  }
  return [...requested];
}

/** The requested output tensors of B results. With B = 1 they are views of the result: no copy. */
export function encodeOutputs(
  model: ServedModel,
  decoded: DecodedInputs,
  outcomes: readonly SequenceOutcome[],
  binaryByDefault: boolean,
): InferOutputTensor[] {
  const { numLayers: L, hiddenSize: H } = model.stateLayout;
  const B = outcomes.length;
  const lead = decoded.batched ? [B] : [];
  return decoded.outputs.map(({ name, binary }) => {
    const tensor = (shape: number[], pick: (outcome: SequenceOutcome) => Float32Array): InferOutputTensor => ({
      name,
      datatype: 'FP32',
      shape: [...lead, ...shape],
      data: gather(outcomes, pick),
      binary: binary ?? binaryByDefault,
    });
    if (name === 'output') return tensor([decoded.steps, model.outputSize], (outcome) => outcome.outputs);
    const offset = name === 'state_c' ? L * H : 0;
    return tensor([L, H], (outcome) => outcome.state.subarray(offset, offset + L * H));
  });
}

function gather(outcomes: readonly SequenceOutcome[], pick: (outcome: SequenceOutcome) => Float32Array): Float32Array {
  if (outcomes.length === 1) return pick(outcomes[0]!);
  const parts = outcomes.map(pick);
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The contract as model metadata (-1: any size). */
export function modelTensors(info: ModelInfo): { inputs: TensorMetadata[]; outputs: TensorMetadata[] } {
  // State rows: layers x directions, PyTorch's h_n order (as stateLayout.numLayers counts them).
  const L = (info.num_layers ?? 1) * (info.bidirectional === true ? 2 : 1);
  const H = info.hidden_size ?? -1;
  const lstm = info.architecture === 'lstm';
  const state = (name: string): TensorMetadata => ({ name, datatype: 'FP32', shape: [-1, L, H] });
  return {
    inputs: [
      { name: 'input', datatype: 'FP32', shape: [-1, -1, info.input_size ?? -1] },
      ...(info.vocab !== undefined
        ? [
            { name: 'tokens', datatype: 'INT64', shape: [-1, -1] },
            { name: 'text', datatype: 'BYTES', shape: [-1] },
          ]
        : []),
      state('state_h'),
      ...(lstm ? [state('state_c')] : []),
    ],
    outputs: [
      { name: 'output', datatype: 'FP32', shape: [-1, -1, info.output_size ?? -1] },
      state('state_h'),
      ...(lstm ? [state('state_c')] : []),
    ],
  };
}

function requireDatatype(tensor: InferInputTensor, allowed: readonly string[], described: string): void {
  if (!allowed.includes(tensor.datatype)) {
    throw new InvalidInputError(`input '${tensor.name}' has datatype ${tensor.datatype || '(none)'}; it takes ${described}`);
  }
}

function requireRank(tensor: InferInputTensor, ranks: readonly number[], described: string): void {
  if (!ranks.includes(tensor.shape.length)) {
    throw new InvalidInputError(`input '${tensor.name}' has shape [${tensor.shape.join(', ')}]; it takes ${described}`);
  }
}

function rowsOf<T>(count: number, make: (i: number) => T): T[] {
  const rows = new Array<T>(count);
  for (let i = 0; i < count; i++) rows[i] = make(i);
  return rows;
}

// Turns what a client sent (JSON, or float32 frames) into the engine's flat Float32Array,
// validating in the same pass. Every message names the position that is wrong, e.g.
// "inputs[3] has 2 values, model 'gru' expects 3". The JSON may not have been through a
// schema (WebSocket messages), so nothing here trusts a type.
import { InvalidInputError } from '../errors.js';
import { quoteForMessage } from '../service/quote.js';
import type { ServedModel } from '../service/served-model.js';

/** One sequence: exactly one of these. */
export interface SequenceInput {
  /** T x input_size numbers. */
  readonly inputs?: unknown;
  /** Token models: ids or vocabulary entries. */
  readonly tokens?: unknown;
  /** Token models: one element per character (Unicode code point). */
  readonly text?: unknown;
  /** Binary transports: T x input_size float32 values, row-major. */
  readonly vectors?: Float32Array;
  /** Text and vocabulary strings outside the vocabulary: "error" (default), "drop" or "replace". */
  readonly unknown?: unknown;
}

/** What to do with characters (or token strings) outside the vocabulary. */
export type UnknownPolicy = 'error' | 'drop' | 'replace';
const UNKNOWN_POLICIES: readonly UnknownPolicy[] = ['error', 'drop', 'replace'];
/** An error names this many unknown entries with their positions, then counts the rest. */
const MAX_NAMED_UNKNOWN = 5;

export interface DecodedSequence {
  /** steps x input_size, normalized when the package declares it. */
  readonly x: Float32Array;
  readonly steps: number;
}

export interface SequenceLimits {
  readonly maxSequenceLength: number;
}

const FIELDS = ['inputs', 'tokens', 'text', 'vectors'] as const;

/** `prefix` names where the sequence sits in the request, e.g. "sequences[2]." in a batch. */
export function decodeSequence(
  model: ServedModel,
  input: SequenceInput,
  limits: SequenceLimits,
  prefix = '',
): DecodedSequence {
  // Counted without building a list first: this runs once per step.
  let field: (typeof FIELDS)[number] | undefined;
  let count = 0;
  for (const name of FIELDS) {
    if (input[name] !== undefined && input[name] !== null) {
      field = name;
      count++;
    }
  }
  if (count !== 1) {
    const given = FIELDS.filter((name) => input[name] !== undefined && input[name] !== null);
    const where = prefix === '' ? 'the request' : prefix.slice(0, -1);
    const accepted = model.vocabIndex !== undefined ? 'inputs, tokens or text' : 'inputs';
    const what = given.length === 0 ? 'none was given' : `it has ${given.join(' and ')}`;
    throw new InvalidInputError(`${where} needs exactly one of ${accepted} (model '${model.name}'); ${what}`);
  }
  const chosen = field!;
  const policy = unknownPolicy(input.unknown, chosen, prefix);
  switch (chosen) {
    case 'inputs':
      return decodeRows(model, input.inputs, limits, `${prefix}inputs`);
    case 'vectors':
      return decodeVectors(model, input.vectors!, limits, `${prefix}input`);
    case 'tokens':
      return embed(model, tokenIds(model, input.tokens, limits, `${prefix}tokens`, policy));
    case 'text':
      return embed(model, textIds(model, input.text, limits, `${prefix}text`, policy));
  }
}

function unknownPolicy(value: unknown, field: (typeof FIELDS)[number], prefix: string): UnknownPolicy {
  if (value === undefined || value === null) return 'error';
  if (!(UNKNOWN_POLICIES as readonly unknown[]).includes(value)) {
    throw new InvalidInputError(`${prefix}unknown ${JSON.stringify(value) ?? String(value)} is not one of "error", "drop", "replace"`);
  }
  if (field !== 'text' && field !== 'tokens') {
    throw new InvalidInputError(`${prefix}unknown applies to text and tokens (vocabulary entries), not to ${field === 'vectors' ? 'binary input' : field}`);
  }
  return value as UnknownPolicy;
}

function checkLength(steps: number, limits: SequenceLimits, name: string): void {
  if (steps === 0) throw new InvalidInputError(`${name} is empty`);
  if (steps > limits.maxSequenceLength) {
    throw new InvalidInputError(
      `${name} has ${steps} elements, more than the limit of ${limits.maxSequenceLength} (MAX_SEQUENCE_LENGTH)`,
    );
  }
}

function decodeRows(model: ServedModel, rows: unknown, limits: SequenceLimits, name: string): DecodedSequence {
  if (!Array.isArray(rows)) throw new InvalidInputError(`${name} must be an array of rows of ${model.inputSize} numbers`);
  const steps = rows.length;
  checkLength(steps, limits, name);
  const I = model.inputSize;
  const x = new Float32Array(steps * I);
  const norm = model.inputNormalization;
  for (let t = 0; t < steps; t++) {
    const row: unknown = rows[t];
    if (!Array.isArray(row)) throw new InvalidInputError(`${name}[${t}] must be an array of ${I} numbers`);
    if (row.length !== I) {
      throw new InvalidInputError(`${name}[${t}] has ${row.length} values, model '${model.name}' expects ${I}`);
    }
    const base = t * I;
    for (let j = 0; j < I; j++) {
      const v: unknown = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidInputError(`${name}[${t}][${j}] is not a finite number`);
      // Read as float32 first, as a binary input is: a value answered by the server (the shortest
      // decimal of a float32) and posted back is then exactly that float32, normalized or not.
      x[base + j] = norm === undefined ? v : (Math.fround(v) - norm.mean[j]!) / norm.std[j]!;
      // A finite double can still overflow float32 (1e39): the engine would only produce Infinity.
      if (!Number.isFinite(x[base + j])) throw new InvalidInputError(`${name}[${t}][${j}] is outside the float32 range`);
    }
  }
  return { x, steps };
}

function decodeVectors(model: ServedModel, values: Float32Array, limits: SequenceLimits, name: string): DecodedSequence {
  const I = model.inputSize;
  if (values.length % I !== 0) {
    throw new InvalidInputError(
      `${name} has ${values.length} float32 values, not a whole number of rows of ${I} (model '${model.name}' input_size)`,
    );
  }
  const steps = values.length / I;
  checkLength(steps, limits, name);
  // Copied only to normalize (decoding stays pure: a retry decodes the caller's values again).
  // Otherwise x is the caller's array, read until the step has run: every caller hands over an
  // array it does not write again (a parsed frame, a decoded tensor).
  const norm = model.inputNormalization;
  const x = norm === undefined ? values : values.slice();
  for (let k = 0; k < x.length; k++) {
    const j = k % I;
    if (norm !== undefined) x[k] = (x[k]! - norm.mean[j]!) / norm.std[j]!;
    if (!Number.isFinite(x[k])) throw new InvalidInputError(`${name}[${(k - j) / I}][${j}] is not a finite number`);
  }
  return { x, steps };
}

function requireVocab(model: ServedModel, name: string): ReadonlyMap<string, number> {
  if (model.vocabIndex === undefined) {
    throw new InvalidInputError(`model '${model.name}' has no vocabulary, so it takes inputs, not ${name.replace(/^.*\./, '')}`);
  }
  return model.vocabIndex;
}

function tokenIds(model: ServedModel, tokens: unknown, limits: SequenceLimits, name: string, policy: UnknownPolicy): Int32Array {
  const vocab = requireVocab(model, name);
  if (!Array.isArray(tokens)) throw new InvalidInputError(`${name} must be an array of token ids or strings`);
  checkLength(tokens.length, limits, name);
  const ids = new VocabularyIds(model, tokens.length, policy);
  for (let t = 0; t < tokens.length; t++) {
    const token: unknown = tokens[t];
    if (typeof token === 'string') {
      ids.push(vocab.get(token), token, t);
    } else if (typeof token === 'number' && Number.isInteger(token) && token >= 0 && token < vocab.size) {
      ids.push(token, '', t);
    } else {
      throw new InvalidInputError(
        `${name}[${t}] is not a token of model '${model.name}' (an id in 0..${vocab.size - 1} or a vocabulary string)`,
      );
    }
  }
  return ids.finish(name, 'entry', 'entries');
}

function textIds(model: ServedModel, text: unknown, limits: SequenceLimits, name: string, policy: UnknownPolicy): Int32Array {
  const vocab = requireVocab(model, name);
  if (typeof text !== 'string') throw new InvalidInputError(`${name} must be a string`);
  // By code point, so a character outside the BMP is one element, not two halves.
  const characters = Array.from(text);
  checkLength(characters.length, limits, name);
  const ids = new VocabularyIds(model, characters.length, policy);
  for (let t = 0; t < characters.length; t++) ids.push(vocab.get(characters[t]!), characters[t]!, t);
  return ids.finish(name, 'character', 'characters');
}

/**
 * Collects the ids of a sequence of vocabulary lookups, applying the unknown policy: "error"
 * names every unknown entry (up to MAX_NAMED_UNKNOWN, with positions) once the whole sequence
 * is seen, "drop" leaves them out, "replace" puts the package's unk_token in their place.
 */
class VocabularyIds {
  private readonly ids: Int32Array;
  private length = 0;
  private unknownCount = 0;
  /** Allocated at the first unknown entry: a clean sequence costs no array. */
  private named: string[] | undefined;
  private firstAt = 0;
  private firstEntry = '';
  private readonly replacement: number | undefined;

  constructor(
    private readonly model: ServedModel,
    capacity: number,
    private readonly policy: UnknownPolicy,
  ) {
    this.ids = new Int32Array(capacity);
    this.replacement = model.unknownTokenId;
    if (policy === 'replace' && this.replacement === undefined) {
      throw new InvalidInputError(
        `unknown "replace" needs a replacement token, and model '${model.name}' has no unk_token in its config; ` +
          'send unknown "drop" or clean the text',
      );
    }
  }

  /** `id` undefined: `entry` (at position t) is not in the vocabulary. */
  push(id: number | undefined, entry: string, t: number): void {
    if (id !== undefined) {
      this.ids[this.length++] = id;
      return;
    }
    if (this.unknownCount++ === 0) {
      this.firstAt = t;
      this.firstEntry = quoteForMessage(entry);
    }
    if (this.policy === 'replace') this.ids[this.length++] = this.replacement!;
    else if (this.policy === 'error' && (this.named ??= []).length < MAX_NAMED_UNKNOWN) this.named.push(`${quoteForMessage(entry)} at ${t}`);
  }

  finish(name: string, one: string, many: string): Int32Array {
    const count = this.unknownCount;
    if (count === 1 && this.policy === 'error') {
      throw new InvalidInputError(
        `${name}[${this.firstAt}] ${this.firstEntry} is not in the vocabulary of model '${this.model.name}'; ` +
          `send unknown "drop" to leave it out${this.model.unknownTokenId !== undefined ? ' or "replace" to put the unk_token in its place' : ''}`,
      );
    }
    if (count > 0 && this.policy === 'error') {
      const named = this.named ?? [];
      const more = count > named.length ? ` and ${count - named.length} more` : '';
      throw new InvalidInputError(
        `${name} has ${count} ${count === 1 ? one : many} outside the vocabulary of model ` +
          `'${this.model.name}': ${named.join(', ')}${more}; send unknown "drop" to leave them out` +
          (this.model.unknownTokenId !== undefined ? ' or "replace" to put the unk_token in their place' : ''),
      );
    }
    if (this.length === 0) throw new InvalidInputError(`${name} is empty once its ${count} unknown ${count === 1 ? one : many} are dropped`);
    return this.length === this.ids.length ? this.ids : this.ids.slice(0, this.length);
  }
}

function embed(model: ServedModel, ids: Int32Array): DecodedSequence {
  // Embeddings are the network's own inputs: the package's input normalization is for raw vectors.
  return { x: model.network.embed(ids), steps: ids.length };
}

/** A client's {h, c?} as the flat state of the engine; zeros when absent. */
export function decodeState(model: ServedModel, state: unknown, name = 'state'): Float32Array {
  const flat = new Float32Array(model.stateSize);
  if (state === undefined || state === null) return flat;
  if (typeof state !== 'object' || Array.isArray(state)) throw new InvalidInputError(`${name} must be an object {h, c?}`);
  const { h, c } = state as { h?: unknown; c?: unknown };
  const { architecture, numLayers, hiddenSize } = model.stateLayout;
  fillRows(model, flat, 0, h, `${name}.h`);
  if (architecture === 'lstm') {
    if (c === undefined) throw new InvalidInputError(`${name}.c is required: model '${model.name}' is an lstm`);
    fillRows(model, flat, numLayers * hiddenSize, c, `${name}.c`);
  } else if (c !== undefined) {
    throw new InvalidInputError(`${name}.c is only for lstm models; model '${model.name}' is a ${architecture}`);
  }
  return flat;
}

function fillRows(model: ServedModel, flat: Float32Array, offset: number, rows: unknown, name: string): void {
  const { numLayers: L, hiddenSize: H } = model.stateLayout;
  if (!Array.isArray(rows)) throw new InvalidInputError(`${name} must be an array of ${L} rows of ${H} numbers`);
  if (rows.length !== L) {
    throw new InvalidInputError(`${name} has ${rows.length} rows, model '${model.name}' has ${L} layers`);
  }
  for (let l = 0; l < L; l++) {
    const row: unknown = rows[l];
    if (!Array.isArray(row) || row.length !== H) {
      const got = Array.isArray(row) ? `${row.length} values` : 'no array';
      throw new InvalidInputError(`${name}[${l}] has ${got}, model '${model.name}' expects ${H} (hidden_size)`);
    }
    for (let j = 0; j < H; j++) {
      const v: unknown = row[j];
      const at = offset + l * H + j;
      if (typeof v === 'number') flat[at] = v;
      // Checked after the float32 store, which turns a finite 1e39 into Infinity.
      if (typeof v !== 'number' || !Number.isFinite(flat[at])) {
        throw new InvalidInputError(`${name}[${l}][${j}] is not a finite float32 number`);
      }
    }
  }
}

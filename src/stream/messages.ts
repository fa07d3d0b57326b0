// What a client may send on a stream (api.md "WebSocket"), parsed into commands. Parsing only
// checks the envelope (which fields, id, expected_t); the elements themselves are validated by
// the inference service, exactly as for REST.
import { InvalidInputError } from '../errors.js';
import { generateInputFromWire } from '../codec/generation.js';
import type { GenerateInput } from '../service/generation.js';
import type { StepInput } from '../service/inference-service.js';
import { quoteForMessage } from '../service/quote.js';

/** Fields shared by every JSON command. */
interface Envelope {
  /** The client's id, already as JSON text, to echo in the reply. */
  readonly id: string | undefined;
}

export type StreamCommand =
  /** `{"x": [...]}`: one element (`x`, also in `input`), answered with `output`. */
  | (Envelope & { readonly kind: 'element'; readonly input: StepInput; readonly x: unknown; readonly expectedT: number | undefined })
  /** `{"inputs"|"tokens"|"text": ...}`: a sequence, answered with `outputs`. */
  | (Envelope & { readonly kind: 'sequence'; readonly input: StepInput })
  | (Envelope & { readonly kind: 'reset'; readonly state: unknown })
  | (Envelope & { readonly kind: 'state' })
  /** `{"type":"generate", "text"|"tokens", ...}`: answered with one `token` per token, then `generated`. */
  | (Envelope & { readonly kind: 'generate'; readonly input: GenerateInput & { readonly expectedT?: number } })
  /** A binary frame: k x input_size float32 values, answered in binary. */
  | { readonly kind: 'binary'; readonly values: Float32Array; readonly id: undefined }
  /** A frame that could not be understood (or came too late): answered with its error. */
  | (Envelope & { readonly kind: 'refused'; readonly error: Error });

const DATA_FIELDS = ['x', 'inputs', 'tokens', 'text'] as const;
const TYPES = ['reset', 'state', 'generate'] as const;
/**
 * Every field each kind of message may carry: anything else is refused, naming it, rather than
 * ignored (a misspelt expected_t would silently drop its guard). `unknown` is the policy for
 * text and tokens outside the vocabulary (input-validation.ts).
 */
const ALLOWED_FIELDS: Readonly<Record<'step' | (typeof TYPES)[number], readonly string[]>> = {
  step: ['id', ...DATA_FIELDS, 'expected_t', 'unknown'],
  reset: ['type', 'id', 'state'],
  state: ['type', 'id'],
  generate: ['type', 'id', 'text', 'tokens', 'max_tokens', 'temperature', 'top_k', 'top_p', 'seed', 'stop', 'expected_t', 'unknown'],
};
const MAX_NAMED_FIELDS = 5;
/** The prompt fields of a generate message; the other data fields do not belong in one. */
const PROMPT_FIELDS: readonly string[] = ['tokens', 'text'];

/**
 * A text frame as a command; never throws (a bad frame becomes a `refused` command).
 * `tokenModel`: the model has a vocabulary, so `x` is one token rather than one vector.
 */
export function parseTextFrame(text: string, tokenModel: boolean): StreamCommand {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return refused(undefined, 'the message is not valid JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return refused(undefined, 'a message must be a JSON object, e.g. {"x": [0.5]}');
  }
  const fields = message as Record<string, unknown>;

  const rawId = fields.id;
  let id: string | undefined;
  if (typeof rawId === 'string') id = JSON.stringify(rawId);
  else if (typeof rawId === 'number' && Number.isFinite(rawId)) id = String(rawId);
  else if (rawId !== undefined) return refused(undefined, 'id must be a string or a finite number');

  const given: string[] = DATA_FIELDS.filter((field) => fields[field] !== undefined);
  const type = fields.type;
  if (type !== undefined && (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type))) {
    return refused(id, `type ${JSON.stringify(type)} is not one of ${TYPES.join(', ')}`);
  }
  const foreign = unknownFields(fields, (type as (typeof TYPES)[number] | undefined) ?? 'step');
  if (foreign !== undefined) return refused(id, foreign);
  if (type !== undefined) {
    if (type === 'generate') return parseGenerate(fields, given, id);
    if (given.length > 0) return refused(id, `a ${type} message takes no ${given.join(' or ')}`);
    if (type === 'state') return { kind: 'state', id };
    return { kind: 'reset', id, state: fields.state };
  }
  if (given.length !== 1) {
    const what = given.length === 0 ? 'none was given' : `it has ${given.join(' and ')}`;
    return refused(id, `a message needs exactly one of x, inputs, tokens or text, or a type (${TYPES.join(', ')}); ${what}`);
  }
  const expectedT = fields.expected_t;
  if (!isExpectedT(expectedT)) return refused(id, EXPECTED_T_RULE);

  const field = given[0]!;
  // `unknown` is handed on only when given (no extra object per message otherwise).
  const unknown = fields.unknown;
  if (field === 'x') {
    // One element. For a token model it is one token (an id or a vocabulary string).
    const x = fields.x;
    const input: StepInput = tokenModel ? { tokens: [x], expectedT } : { inputs: [x], expectedT };
    return { kind: 'element', id, input: unknown === undefined ? input : { ...input, unknown }, x, expectedT };
  }
  const input: StepInput = { [field]: fields[field], expectedT };
  return { kind: 'sequence', id, input: unknown === undefined ? input : { ...input, unknown } };
}

/** ALLOWED_FIELDS as sets, and the data fields, whose misplacement has errors of its own ("a reset message takes no x"). */
const allowedSet = (kind: keyof typeof ALLOWED_FIELDS): ReadonlySet<string> => new Set([...ALLOWED_FIELDS[kind], ...DATA_FIELDS]);
const ALLOWED_SETS: Readonly<Record<keyof typeof ALLOWED_FIELDS, ReadonlySet<string>>> = {
  step: allowedSet('step'),
  reset: allowedSet('reset'),
  state: allowedSet('state'),
  generate: allowedSet('generate'),
};

/** Why the message has fields its kind does not take, or undefined when it has none (no allocation then: per message). */
function unknownFields(fields: Record<string, unknown>, kind: keyof typeof ALLOWED_FIELDS): string | undefined {
  const allowed = ALLOWED_SETS[kind];
  let first: string | undefined;
  for (const field in fields) {
    if (!allowed.has(field)) {
      first = field;
      break;
    }
  }
  if (first === undefined) return undefined;
  const foreign = Object.keys(fields).filter((field) => !allowed.has(field));
  const named = foreign.slice(0, MAX_NAMED_FIELDS).map(quoteForMessage);
  if (foreign.length > MAX_NAMED_FIELDS) named.push(`and ${foreign.length - MAX_NAMED_FIELDS} more`);
  const what = kind === 'step' ? 'a step message (x, inputs, tokens or text)' : `a ${kind} message`;
  return `unknown field${foreign.length > 1 ? 's' : ''} ${named.join(', ')} in ${what}; it takes ${ALLOWED_FIELDS[kind].join(', ')}`;
}

/**
 * `{"type":"generate", "text"|"tokens", "max_tokens"?, "temperature"?, "top_k"?, "top_p"?,
 * "seed"?, "stop"?}`: the fields are handed on unchecked (snake_case to camelCase); the
 * generation helper checks every one against the session's model and names it in its errors.
 */
function parseGenerate(fields: Record<string, unknown>, given: readonly string[], id: string | undefined): StreamCommand {
  const foreign = given.filter((field) => !PROMPT_FIELDS.includes(field));
  if (foreign.length > 0) {
    return refused(id, `a generate message takes its prompt in text or tokens, not ${foreign.join(' or ')}`);
  }
  const expectedT = fields.expected_t;
  if (!isExpectedT(expectedT)) return refused(id, EXPECTED_T_RULE);
  const input: GenerateInput & { expectedT?: number } = generateInputFromWire(fields);
  if (expectedT !== undefined) input.expectedT = expectedT;
  return { kind: 'generate', id, input };
}

/**
 * A binary frame as k x inputSize float32 values (little-endian on the wire): a view of the
 * frame's own bytes (ws hands each message over in a buffer of its own, never written again), or
 * a copy where those do not start at a multiple of 4 bytes (a Float32Array must be aligned) or the
 * host is big-endian (the bytes are swapped).
 */
export function parseBinaryFrame(data: Buffer, inputSize: number, tokenModel: boolean): StreamCommand {
  if (tokenModel) {
    return refused(undefined, 'binary frames carry float32 input vectors; this model takes tokens or text in JSON messages');
  }
  const rowBytes = 4 * inputSize;
  if (data.byteLength === 0 || data.byteLength % rowBytes !== 0) {
    return refused(
      undefined,
      `a binary frame of ${data.byteLength} bytes is not a positive whole number of rows of ${inputSize} float32 values (${rowBytes} bytes each)`,
    );
  }
  if (HOST_IS_LITTLE_ENDIAN && data.byteOffset % 4 === 0) {
    return { kind: 'binary', values: new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4), id: undefined };
  }
  const values = new Float32Array(data.byteLength / 4);
  new Uint8Array(values.buffer).set(data);
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes32(values);
  return { kind: 'binary', values, id: undefined };
}

const EXPECTED_T_RULE = 'expected_t must be a non-negative integer';

function isExpectedT(value: unknown): value is number | undefined {
  return value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);
}

export function refusedCommand(id: string | undefined, error: Error): StreamCommand {
  return { kind: 'refused', id, error };
}

function refused(id: string | undefined, message: string): StreamCommand {
  return refusedCommand(id, new InvalidInputError(message));
}

export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the bytes of every 32-bit value in place (only on big-endian hosts). */
export function swapBytes32(values: Float32Array): void {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  for (let k = 0; k < bytes.length; k += 4) {
    const b0 = bytes[k]!;
    const b1 = bytes[k + 1]!;
    bytes[k] = bytes[k + 3]!;
    bytes[k + 1] = bytes[k + 2]!;
    bytes[k + 2] = b1;
    bytes[k + 3] = b0;
  }
}

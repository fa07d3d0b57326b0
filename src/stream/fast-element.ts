// The stream's commonest text frame, {"x": [v, ...]} (one element, no id; with or without
// "expected_t", which the clients in clients/ send with every step), read by the native addon
// straight from the frame's bytes into float32 (native/json-vector.h): without the UTF-8 decode
// to a string, JSON.parse's array of doubles and the checks of messages.ts and the input codec,
// which are most of a JSON step's parsing cost. Everything else (another shape, a number outside
// float32, a count that is not the model's input_size, and any frame when the addon is not
// built) is left to parseTextFrame, so every message that is not exactly this one is answered as
// before, errors included.
//
// The values are the float32 values JSON.parse then a Float32Array would give (correctly rounded
// decimal to double, double to float32), and the command carries them as `vectors`, as binary
// frames do: decoded inputs are then the same array either way. Models that normalize their inputs
// or take tokens keep the full path, where the element's wording and arithmetic live.
import { loadNativeAddon } from '../engine/native-addon.js';
import type { ServedModel } from '../service/served-model.js';
import type { StreamCommand } from './messages.js';

/** false: not this shape; true: read, without expected_t; a number: read, with that expected_t. */
type Parser = (bytes: Uint8Array, out: Float32Array) => boolean | number;

function nativeParser(): Parser | undefined {
  const load = loadNativeAddon();
  if (!('addon' in load) || typeof load.addon.parseJsonVector !== 'function') return undefined;
  return load.addon.parseJsonVector.bind(load.addon);
}

const parse = nativeParser();

/** Whether this process reads {"x"} frames natively (the addon is built); the tests read it. */
export const fastElementParsing = parse !== undefined;

/**
 * Where frames are read before their shape is known, one per input size (the reader checks the
 * count against the array's length): a frame that falls back allocates nothing, and one that is
 * read gets its own copy for the command.
 */
const scratches = new Map<number, Float32Array>();

function scratchFor(size: number): Float32Array {
  let scratch = scratches.get(size);
  if (scratch === undefined) {
    scratch = new Float32Array(size);
    scratches.set(size, scratch);
  }
  return scratch;
}

/** The frame as an element command when it is exactly {"x":[...]} (and expected_t) for `model`; else undefined (use parseTextFrame). */
export function parseFastElement(data: Buffer, model: Pick<ServedModel, 'inputSize' | 'inputNormalization' | 'vocabIndex'>): StreamCommand | undefined {
  if (parse === undefined || model.vocabIndex !== undefined || model.inputNormalization !== undefined) return undefined;
  const scratch = scratchFor(model.inputSize);
  const read = parse(data, scratch);
  if (read === false) return undefined;
  const values = scratch.slice();
  const expectedT = read === true ? undefined : read;
  return { kind: 'element', id: undefined, input: { vectors: values, expectedT }, x: values, expectedT };
}

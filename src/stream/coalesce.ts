// Pipelined single elements, merged into one step. A client that sends many `{"x"}` (or binary)
// messages without waiting would otherwise cost one engine call, one store write and one event
// loop turn per element; merged, a run of them is one step of k elements (one input projection
// for all of them), answered with k replies exactly as if they had run one by one (the numbers
// agree within float rounding: the same arithmetic in another order).
//
// Merging never changes what a client sees on errors: the service validates the whole step
// before it writes anything, so if a merged step is refused, nothing changed, and the connection
// replays the run one message at a time, so each error lands on the message that caused it.
import type { StepInput } from '../service/inference-service.js';
import type { StreamCommand } from './messages.js';

/** A run stops growing here (also well below any sensible MAX_SEQUENCE_LENGTH). */
export const MAX_MERGED_ELEMENTS = 256;

type ElementCommand = Extract<StreamCommand, { kind: 'element' }>;
type BinaryCommand = Extract<StreamCommand, { kind: 'binary' }>;

/**
 * How many commands at the head of `commands` can run as one step (at least 1): consecutive
 * `element` commands, or consecutive `binary` ones. After the first, an element may carry
 * expected_t only if it is the first one's plus its offset (what the session's t will be then).
 */
export function mergeableCount(commands: readonly { readonly command: StreamCommand }[], inputSize: number): number {
  const first = commands[0]?.command;
  if (first === undefined || (first.kind !== 'element' && first.kind !== 'binary')) return 1;
  let count = 1;
  let elements = first.kind === 'binary' ? first.values.length / inputSize : 1;
  for (; count < commands.length; count++) {
    const next = commands[count]!.command;
    if (next.kind !== first.kind) break;
    const size = next.kind === 'binary' ? next.values.length / inputSize : 1;
    if (elements + size > MAX_MERGED_ELEMENTS) break;
    if (next.kind === 'element' && first.kind === 'element' && next.expectedT !== undefined) {
      if (first.expectedT === undefined || next.expectedT !== first.expectedT + count) break;
    }
    elements += size;
  }
  return count;
}

/**
 * The step input of a run of element commands: their elements in order, the first's expected_t.
 * Elements read natively (fast-element.ts: x is a Float32Array) are put back to back as vectors
 * when the whole run is; in a mixed run they join the others as rows of the same float32 values.
 */
export function mergeElements(commands: readonly ElementCommand[], tokenModel: boolean): StepInput {
  const expectedT = commands[0]!.expectedT;
  if (commands.every((command) => command.x instanceof Float32Array)) {
    return { vectors: concatenate(commands.map((command) => command.x as Float32Array)), expectedT };
  }
  const elements = commands.map((command) => (command.x instanceof Float32Array ? Array.from(command.x) : command.x));
  return tokenModel ? { tokens: elements, expectedT } : { inputs: elements, expectedT };
}

/** The float32 values of a run of binary commands, back to back. */
export function mergeBinary(commands: readonly BinaryCommand[]): Float32Array {
  return concatenate(commands.map((command) => command.values));
}

function concatenate(parts: readonly Float32Array[]): Float32Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const merged = new Float32Array(length);
  let offset = 0;
  for (const part of parts) {
    merged.set(part, offset);
    offset += part.length;
  }
  return merged;
}

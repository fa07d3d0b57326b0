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

/** The step input of a run of element commands: their elements in order, the first's expected_t. */
export function mergeElements(commands: readonly ElementCommand[], tokenModel: boolean): StepInput {
  const elements = commands.map((command) => command.x);
  const expectedT = commands[0]!.expectedT;
  return tokenModel ? { tokens: elements, expectedT } : { inputs: elements, expectedT };
}

/** The float32 values of a run of binary commands, back to back. */
export function mergeBinary(commands: readonly BinaryCommand[]): Float32Array {
  let length = 0;
  for (const command of commands) length += command.values.length;
  const merged = new Float32Array(length);
  let offset = 0;
  for (const command of commands) {
    merged.set(command.values, offset);
    offset += command.values.length;
  }
  return merged;
}

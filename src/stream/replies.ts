// What the server sends on a stream (api.md "WebSocket"), encoded straight to text or to frames.
// Output replies are the hot path: each row is written by float32-json.ts (natively where the
// addon is built) as the shortest decimals that read back as the same float32, exactly as the
// REST routes write them, so both transports give identical bytes. A one-element step's reply is
// built as its whole WebSocket frame (outputFrame: the addon writes the row into the frame's
// bytes, with no string in between); binary replies are frames of the row's bytes (binaryReply).
import type { GeneratedToken, GenerationResult } from '../service/generation.js';
import type { SessionRecord } from '../sessions/session-store.js';
import type { ServedModel } from '../service/served-model.js';
import { generationToJson } from '../codec/generation.js';
import { float32MatrixToJson, float32RowCapacity, float32RowInto, float32RowToJson } from '../codec/float32-json.js';
import { answerJson, type StateJson } from '../codec/outputs.js';
import { binaryFrame, MAX_HEADER_BYTES, textFrame, textFrameFromScratch, type Frame } from './frames.js';
import { HOST_IS_LITTLE_ENDIAN, swapBytes32 } from './messages.js';

export function readyReply(session: Pick<SessionRecord, 'id' | 't'>, model: ServedModel): string {
  return JSON.stringify({
    type: 'ready',
    session_id: session.id,
    model: model.name,
    t: session.t,
    input_size: model.inputSize,
    output_size: model.outputSize,
  });
}

/** `{"type":"output","t","y","id"?}`: the one row of a one-element step. */
export function outputReply(t: number, outputs: Float32Array, id: string | undefined): string {
  return `{"type":"output","t":${t},"y":${float32RowToJson(outputs, 0, outputs.length)}${idField(id)}}`;
}

/**
 * outputReply's text as a whole text frame (frames.ts). With the addon, the row is formatted into
 * a reused 16 KiB scratch buffer after room for the frame header and the envelope, which are then
 * written in front of it, and the frame is copied out at its size: no string is built, and the
 * reply is not encoded to UTF-8 a second time. The bytes are those of textFrame(outputReply(...)).
 */
export function outputFrame(t: number, outputs: Float32Array, id: string | undefined): Frame {
  if (float32RowInto === undefined || !Number.isSafeInteger(t) || t < 0) return textFrame(outputReply(t, outputs, id));
  // The id (JSON text) at 3 UTF-8 bytes a UTF-16 unit at most; `}`.
  const needed = ROW_AT + float32RowCapacity(outputs.length) + (id === undefined ? 0 : ID_FIELD.length + 3 * id.length) + 1;
  // A reply larger than the kept scratch (a long id, a wide head) gets a buffer of its own, so
  // the process does not keep the largest reply's worth of memory.
  const buffer = needed <= scratch.length ? scratch : Buffer.allocUnsafe(needed);
  const row = buffer === scratch ? rowView : buffer.subarray(ROW_AT);
  let end = ROW_AT + float32RowInto(outputs, 0, outputs.length, row);
  if (id !== undefined) {
    end += ID_FIELD.copy(buffer, end);
    end += buffer.write(id, end, 'utf8');
  }
  buffer[end++] = 0x7d; // }
  // Backwards from the row: ,"y":  then t's digits, then {"type":"output","t":
  let at = ROW_AT - Y_FIELD.length;
  Y_FIELD.copy(buffer, at);
  let rest = t;
  do {
    const digit = rest % 10;
    buffer[--at] = 0x30 + digit;
    rest = (rest - digit) / 10;
  } while (rest > 0);
  at -= OUTPUT_PREFIX.length;
  OUTPUT_PREFIX.copy(buffer, at);
  return textFrameFromScratch(buffer, at, end);
}

const OUTPUT_PREFIX = Buffer.from('{"type":"output","t":', 'latin1');
const Y_FIELD = Buffer.from(',"y":', 'latin1');
const ID_FIELD = Buffer.from(',"id":', 'latin1');
/** Where outputFrame's row starts in its scratch: room for the header, the prefix and 16 digits of t. */
const ROW_AT = MAX_HEADER_BYTES + OUTPUT_PREFIX.length + 16 + Y_FIELD.length;
const scratch = Buffer.allocUnsafe(16 * 1024);
const rowView = scratch.subarray(ROW_AT);

/** `{"type":"outputs","t","outputs","id"?}`: steps rows of width outputSize. */
export function outputsReply(t: number, outputs: Float32Array, steps: number, outputSize: number, id: string | undefined): string {
  const rows = steps === 0 ? '[]' : float32MatrixToJson(outputs, 0, steps, outputSize);
  return `{"type":"outputs","t":${t},"outputs":${rows}${idField(id)}}`;
}

export function stateReply(t: number, state: StateJson, id: string | undefined): string {
  return `{"type":"state","t":${t},"state":${answerJson(state)}${idField(id)}}`;
}

export function resetReply(t: number, id: string | undefined): string {
  return `{"type":"reset","t":${t}${idField(id)}}`;
}

/** `{"type":"token","index","token","token_id","id"?}`: one generated token, as soon as it is chosen. */
export function tokenReply(token: GeneratedToken, id: string | undefined): string {
  return `{"type":"token","index":${token.index},"token":${JSON.stringify(token.token)},"token_id":${token.id}${idField(id)}}`;
}

/**
 * `{"type":"generated","t","text","tokens","finish_reason","stop_sequence"?,"seed","id"?}`: the
 * end of a generation, with the fields of POST /v1/sessions/{id}/generate's answer.
 */
export function generatedReply(t: number, result: GenerationResult, id: string | undefined): string {
  // The answer's fields as REST prints them, inside the stream's envelope.
  const fields = JSON.stringify(generationToJson(result)).slice(1, -1);
  return `{"type":"generated","t":${t},${fields}${idField(id)}}`;
}

export function errorReply(code: string, message: string, id: string | undefined): string {
  return `{"type":"error","code":${JSON.stringify(code)},"message":${JSON.stringify(message)}${idField(id)}}`;
}

/**
 * The outputs as a binary frame of their little-endian float32 bytes, copied: a resident step's
 * outputs are its slot's row, rewritten by the session's next step, and a reply may wait in the
 * socket's queue longer than that.
 */
export function binaryReply(outputs: Float32Array): Frame {
  if (HOST_IS_LITTLE_ENDIAN) return binaryFrame(new Uint8Array(outputs.buffer, outputs.byteOffset, outputs.byteLength));
  const swapped = Float32Array.from(outputs);
  swapBytes32(swapped);
  return binaryFrame(new Uint8Array(swapped.buffer));
}

/** `id` is already JSON text (see messages.ts). */
function idField(id: string | undefined): string {
  return id === undefined ? '' : `,"id":${id}`;
}

// What the server sends on a stream (api.md "WebSocket"), encoded straight to text. Output
// replies are the hot path: the envelope is concatenated around the rows, and each row is
// written by float32-json.ts (natively where the addon is built) as the shortest decimals that
// read back as the same float32, exactly as the REST routes write them, so both transports give
// identical bytes. Formatting the numbers is still most of a JSON reply's cost: binary frames
// skip it.
import type { GeneratedToken, GenerationResult } from '../service/generation.js';
import type { SessionRecord } from '../sessions/session-store.js';
import type { ServedModel } from '../service/served-model.js';
import { generationToJson } from '../codec/generation.js';
import { float32MatrixToJson, float32RowToJson } from '../codec/float32-json.js';
import { answerJson, type StateJson } from '../codec/outputs.js';
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
 * The outputs as little-endian float32 bytes, copied: a resident step's outputs are its slot's row,
 * rewritten by the session's next step, and a reply may wait in the socket's queue longer than that.
 */
export function binaryReply(outputs: Float32Array): Buffer {
  const bytes = Buffer.allocUnsafe(outputs.byteLength); // from Node's pool below 4 KiB
  bytes.set(new Uint8Array(outputs.buffer, outputs.byteOffset, outputs.byteLength));
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes32(new Float32Array(bytes.buffer, bytes.byteOffset, outputs.length));
  return bytes;
}

/** `id` is already JSON text (see messages.ts). */
function idField(id: string | undefined): string {
  return id === undefined ? '' : `,"id":${id}`;
}

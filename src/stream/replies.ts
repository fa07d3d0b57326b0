// What the server sends on a stream (api.md "WebSocket"), encoded straight to text. Output
// replies are the hot path: the envelope is concatenated around the rows, and each row is
// printed by JSON.stringify from a reused plain array (V8's fast path for arrays of doubles; it
// measured faster than concatenating the numbers one by one). Values print exactly as the REST
// routes print them (the float32 widened to a double, shortest round-trip form), so both
// transports give identical numbers. Formatting the numbers is most of a JSON reply's cost:
// binary frames skip it.
import type { GeneratedToken, GenerationResult } from '../service/generation.js';
import type { SessionRecord } from '../sessions/session-store.js';
import type { ServedModel } from '../service/served-model.js';
import { generationToJson } from '../codec/generation.js';
import type { StateJson } from '../codec/outputs.js';
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
  return `{"type":"output","t":${t},"y":${row(outputs, 0, outputs.length)}${idField(id)}}`;
}

/** `{"type":"outputs","t","outputs","id"?}`: steps rows of width outputSize. */
export function outputsReply(t: number, outputs: Float32Array, steps: number, outputSize: number, id: string | undefined): string {
  let text = `{"type":"outputs","t":${t},"outputs":[`;
  for (let r = 0; r < steps; r++) {
    if (r > 0) text += ',';
    text += row(outputs, r * outputSize, outputSize);
  }
  return `${text}]${idField(id)}}`;
}

export function stateReply(t: number, state: StateJson, id: string | undefined): string {
  return `{"type":"state","t":${t},"state":${JSON.stringify(state)}${idField(id)}}`;
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

/** The outputs as little-endian float32 bytes; on a little-endian host, the array's own bytes. */
export function binaryReply(outputs: Float32Array): Buffer {
  if (!HOST_IS_LITTLE_ENDIAN) swapBytes32(outputs);
  return Buffer.from(outputs.buffer, outputs.byteOffset, outputs.byteLength);
}

/** `id` is already JSON text (see messages.ts). */
function idField(id: string | undefined): string {
  return id === undefined ? '' : `,"id":${id}`;
}

/** One array per row width (the output sizes of the loaded models), refilled for every row. */
const rowScratch = new Map<number, number[]>();

/** `[v0,v1,...]` for n values from start; a non-finite value prints as null. */
function row(values: Float32Array, start: number, n: number): string {
  let scratch = rowScratch.get(n);
  if (scratch === undefined) {
    scratch = new Array<number>(n).fill(0);
    rowScratch.set(n, scratch);
  }
  for (let j = 0; j < n; j++) scratch[j] = values[start + j]!;
  return JSON.stringify(scratch);
}

// From the engine's flat Float32Arrays to the JSON shapes of api.md, in one pass each; float32
// values are written as the shortest decimal that reads back as the same float32 (float32-json.ts).
import type { StateLayout } from '../service/served-model.js';
import { float32MatrixToJson } from './float32-json.js';

/**
 * JSON text already written, inside an answer: the float32 matrices (outputs, states), formatted
 * by float32-json.ts. answerJson writes it as is; JSON.stringify would not, so answers that hold
 * one go out through sendAnswer.
 */
export class JsonText {
  constructor(readonly json: string) {}
}

export interface StateJson {
  h: JsonText;
  c?: JsonText;
}

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Sends an answer that holds float32 matrices: JSON text written by answerJson, sent as is (a
 * string with a JSON content type and no custom serializer passes Fastify untouched). The route's
 * schema still documents the answer; Fastify's compiled serializer would print the matrices as
 * 17-digit doubles, and took 2.5 to 5 times JSON.stringify's time on large outputs.
 */
export function sendAnswer<R>(reply: R, answer: unknown): R {
  return sendJsonText(reply, answerJson(answer));
}

/** Sends JSON text already written (a route's template of its answer), as sendAnswer does. */
export function sendJsonText<R>(reply: R, json: string): R {
  // The reply's send is typed by the route's schema (objects); the text is what that schema describes.
  (reply as unknown as TextReply).type(JSON_CONTENT_TYPE).send(json);
  return reply;
}

interface TextReply {
  type(contentType: string): TextReply;
  send(payload: string): unknown;
}

/**
 * JSON.stringify's text for plain answers (objects, arrays, strings, numbers, booleans, null;
 * undefined fields left out), with every JsonText written as its text.
 */
export function answerJson(value: unknown): string {
  if (value instanceof JsonText) return value.json;
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i > 0 ? ',' : '') + (value[i] === undefined ? 'null' : answerJson(value[i]));
    return `${text}]`;
  }
  if (value !== null && typeof value === 'object') {
    let text = '{';
    for (const key of Object.keys(value)) {
      const field = (value as Record<string, unknown>)[key];
      if (field === undefined) continue;
      text += `${text.length > 1 ? ',' : ''}${JSON.stringify(key)}:${answerJson(field)}`;
    }
    return `${text}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** rows x cols row-major float32 values from offset as a JSON matrix (float32-json.ts). */
export function toRows(data: Float32Array, rows: number, cols: number, offset = 0): JsonText {
  return new JsonText(rows === 0 ? '[]' : float32MatrixToJson(data, offset, rows, cols));
}

/** The flat state (h of every layer, then c for lstm) as {h, c?}. */
export function stateToJson(layout: StateLayout, state: Float32Array): StateJson {
  const { numLayers: L, hiddenSize: H } = layout;
  const h = toRows(state, L, H);
  return layout.architecture === 'lstm' ? { h, c: toRows(state, L, H, L * H) } : { h };
}

/** A session as api.md shows it (times as ISO 8601). */
export function sessionToJson(session: {
  readonly id: string;
  readonly model: string;
  readonly modelVersion?: string | undefined;
  readonly t: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly ttlSeconds: number;
}): { session_id: string; model: string; model_version?: string; t: number; created_at: string; expires_at: string; ttl_seconds: number } {
  return {
    session_id: session.id,
    model: session.model,
    ...(session.modelVersion !== undefined ? { model_version: session.modelVersion } : {}),
    t: session.t,
    created_at: new Date(session.createdAt).toISOString(),
    expires_at: new Date(session.expiresAt).toISOString(),
    ttl_seconds: session.ttlSeconds,
  };
}

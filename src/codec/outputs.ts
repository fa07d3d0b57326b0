// From the engine's flat Float32Arrays to the JSON shapes of api.md, in one pass each.
import type { StateLayout } from '../service/served-model.js';

export interface StateJson {
  h: number[][];
  c?: number[][];
}

/**
 * An answer serialized with JSON.stringify, for routes whose answers hold matrices of numbers
 * (outputs): the route's compiled serializer (fast-json-stringify) took 2.5 to 5 times as long on
 * 10,000 x 63 outputs (290-600 ms against 125 ms, measured side by side), and a large answer
 * blocks the event loop for that long. The route's schema still documents the answer. The
 * bytes are the same: every number is finite (the service refuses non-finite results), and both
 * print a double in its shortest round-trip form.
 */
export function serializeWithJsonStringify(reply: {
  serializer(serialize: (payload: unknown) => string): unknown;
  type(contentType: string): unknown;
}): void {
  reply.serializer(stringify);
  // A custom serializer leaves the content type to the route.
  reply.type('application/json; charset=utf-8');
}

const stringify = (payload: unknown): string => JSON.stringify(payload);

/** rows x cols row-major values as number[][] (each value widened exactly from float32). */
export function toRows(data: Float32Array, rows: number, cols: number, offset = 0): number[][] {
  const out = new Array<number[]>(rows);
  let k = offset;
  for (let r = 0; r < rows; r++) {
    const row = new Array<number>(cols);
    for (let j = 0; j < cols; j++) row[j] = data[k++]!;
    out[r] = row;
  }
  return out;
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

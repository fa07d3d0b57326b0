// From the engine's flat Float32Arrays to the JSON shapes of api.md, in one pass each.
import type { StateLayout } from '../service/served-model.js';

export interface StateJson {
  h: number[][];
  c?: number[][];
}

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
  readonly t: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly ttlSeconds: number;
}): { session_id: string; model: string; t: number; created_at: string; expires_at: string; ttl_seconds: number } {
  return {
    session_id: session.id,
    model: session.model,
    t: session.t,
    created_at: new Date(session.createdAt).toISOString(),
    expires_at: new Date(session.expiresAt).toISOString(),
    ttl_seconds: session.ttlSeconds,
  };
}

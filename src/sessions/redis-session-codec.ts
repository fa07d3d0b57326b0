// A SessionRecord as the fields of its Redis hash, and back. Numbers are decimal strings (exact
// for any finite double); the state is raw float32 bytes (redis-state-bytes.ts). The id is in
// the key, not the hash.
import type { SessionRecord } from './session-store.js';
import { bytesToState, stateToBytes } from './redis-state-bytes.js';

/** Field order of every read (HMGET), so a reply is decoded by position. */
export const SESSION_FIELDS = ['model', 'modelIdentity', 't', 'version', 'createdAt', 'ttlSeconds', 'expiresAt', 'state', 'modelVersion'] as const;

/**
 * Field/value pairs for HSET. The model is left out of writes after create: a session never
 * changes model. With `previous` (the stored record being replaced), only the fields that differ
 * from it; the state counts as unchanged when it is the same array.
 */
export function sessionFields(
  record: SessionRecord,
  options: { readonly withModel: boolean; readonly previous?: SessionRecord | undefined },
): (string | Buffer)[] {
  const fields: (string | Buffer)[] = options.withModel ? ['model', record.model] : [];
  const previous = options.previous;
  if (previous?.modelIdentity !== record.modelIdentity) fields.push('modelIdentity', record.modelIdentity);
  if (previous?.modelVersion !== record.modelVersion && record.modelVersion !== undefined) fields.push('modelVersion', record.modelVersion);
  if (previous?.t !== record.t) fields.push('t', String(record.t));
  if (previous?.version !== record.version) fields.push('version', String(record.version));
  if (previous?.createdAt !== record.createdAt) fields.push('createdAt', String(record.createdAt));
  if (previous?.ttlSeconds !== record.ttlSeconds) fields.push('ttlSeconds', String(record.ttlSeconds));
  if (previous?.expiresAt !== record.expiresAt) fields.push('expiresAt', String(record.expiresAt));
  if (previous?.state !== record.state) fields.push('state', stateToBytes(record.state));
  return fields;
}

/**
 * The record held in an HMGET reply of SESSION_FIELDS, or undefined when the key does not exist.
 * A hash that exists but lacks a field or holds a malformed number was not written by this store:
 * the error names the key and the field rather than returning a half-read session.
 */
export function decodeSession(id: string, key: string, values: readonly (Buffer | null)[]): SessionRecord | undefined {
  if (values.every((value) => value === null)) return undefined;
  const field = (index: number): Buffer => {
    const value = values[index];
    if (value === null || value === undefined) throw new Error(`Redis key ${key}: field ${SESSION_FIELDS[index]} is missing`);
    return value;
  };
  const number = (index: number): number => {
    const text = field(index).toString('latin1');
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) {
      throw new Error(`Redis key ${key}: field ${SESSION_FIELDS[index]} is ${JSON.stringify(text)}, not a number`);
    }
    return value;
  };
  // modelVersion (last) is absent from records written before model versions existed.
  const modelVersion = values[8];
  return {
    id,
    model: field(0).toString('utf8'),
    modelIdentity: field(1).toString('utf8'),
    ...(modelVersion !== null && modelVersion !== undefined ? { modelVersion: modelVersion.toString('utf8') } : {}),
    t: number(2),
    version: number(3),
    createdAt: number(4),
    ttlSeconds: number(5),
    expiresAt: number(6),
    state: bytesToState(field(7), `Redis key ${key}: field state`),
  };
}

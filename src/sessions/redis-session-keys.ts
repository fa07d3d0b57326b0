// Where the Redis session store keeps things, for one key prefix (one deployment).
//
//   ${prefix}session:{${id}}        hash: one session (fields in redis-session-codec.ts). The id is
//                                   the hash tag, so in Redis Cluster every key of one session
//                                   lands in one slot and sessions spread over the cluster.
//   ${prefix}{sessions}:expiries    sorted set: `${model}\0${id}` -> expiresAt (epoch ms, may lag a
//                                   refreshed session; the sweep re-files it). Counts sessions
//                                   against MAX_SESSIONS and finds the expired ones.
//   ${prefix}{sessions}:models      hash: model -> number of members of :expiries with that model
//                                   (the rnn_sessions_active gauge, without scanning).
//
// The two bookkeeping keys share the hash tag {sessions}: they sit together in one slot, the one
// cross-slot exception, and every script touches either them or one session key, never both.
// (A prefix that itself contains a hash tag puts every key in one slot: still correct, not spread.)
//
// That slot is one shard's work for every create and expiry of the deployment (measured on a local
// cluster, bench/cluster-bookkeeping.ts: one script of 4 commands per create, 2 commands per
// expiry, and ~100 bytes of sorted-set entry per live session). With REDIS_INDEX_PARTITIONS = N > 1
// the index is cut into N partitions, each a pair of keys under its own tag {sessions:k}, and a
// session is filed in partition fnv1a(id) mod N: N slots, spread over the shards. Each partition
// admits its share of MAX_SESSIONS (the shares add up to it exactly), so the deployment never
// holds more than MAX_SESSIONS, but a create may meet a full partition a little before the total
// reaches it. N = 1 keeps the original {sessions} keys.

/** One partition of the session index: the sorted set of expiries and the per-model counts. */
export interface IndexKeys {
  readonly expiries: string;
  readonly models: string;
  /** How many sessions this partition admits (its share of maxSessions). */
  readonly maxSessions: number;
}

export interface SessionKeys {
  session(id: string): string;
  /** The partition a session is filed in. */
  index(id: string): IndexKeys;
  /** Every partition, for sweeps and counts. */
  readonly indexes: readonly IndexKeys[];
  /** The first partition's keys (the only one when partitions = 1). */
  readonly expiries: string;
  readonly models: string;
}

export function sessionKeys(prefix: string, maxSessions = Number.MAX_SAFE_INTEGER, partitions = 1): SessionKeys {
  if (!Number.isSafeInteger(partitions) || partitions < 1) throw new RangeError(`index partitions must be a positive integer, got ${partitions}`);
  if (maxSessions < partitions) throw new RangeError(`maxSessions (${maxSessions}) is below the index partitions (${partitions}): some would admit none`);
  const indexes = Array.from({ length: partitions }, (_, k): IndexKeys => {
    const tag = partitions === 1 ? 'sessions' : `sessions:${k}`;
    const share = Math.floor(maxSessions / partitions) + (k < maxSessions % partitions ? 1 : 0);
    return { expiries: `${prefix}{${tag}}:expiries`, models: `${prefix}{${tag}}:models`, maxSessions: share };
  });
  return {
    session: (id) => `${prefix}session:{${id}}`,
    index: (id) => indexes[partitions === 1 ? 0 : fnv1a(id) % partitions]!,
    indexes,
    expiries: indexes[0]!.expiries,
    models: indexes[0]!.models,
  };
}

/** 32-bit FNV-1a of a string's UTF-16 code units: cheap, stable across processes and versions. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

const SEPARATOR = '\u0000';

/** The :expiries member of a session: the model first, so a sweep can report expiries per model. */
export function expiryMember(model: string, id: string): string {
  if (model.includes(SEPARATOR)) throw new Error(`model name ${JSON.stringify(model)} contains a NUL character`);
  return `${model}${SEPARATOR}${id}`;
}

export function parseExpiryMember(member: string): { model: string; id: string } {
  const at = member.indexOf(SEPARATOR);
  if (at < 0) throw new Error(`malformed session index member ${JSON.stringify(member)}: no NUL separator`);
  return { model: member.slice(0, at), id: member.slice(at + 1) };
}

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

export interface SessionKeys {
  session(id: string): string;
  readonly expiries: string;
  readonly models: string;
}

export function sessionKeys(prefix: string): SessionKeys {
  return {
    session: (id) => `${prefix}session:{${id}}`,
    expiries: `${prefix}{sessions}:expiries`,
    models: `${prefix}{sessions}:models`,
  };
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

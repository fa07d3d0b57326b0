// The Lua scripts of the Redis session store. Each runs atomically in Redis and touches either
// ONE session key or the two bookkeeping keys of redis-session-keys.ts (one slot), never both, so
// every script is valid in Redis Cluster; the one exception, the batch compare-and-set, is only
// sent to a single server. ioredis sends them as EVALSHA and falls back to EVAL
// when the server does not know the script yet (the `scripts` client option, defineCommand).
//
// Times (`now`, `expiresAt`) are epoch milliseconds of the calling replica's clock: the store
// decides expiry by comparing a session's expiresAt with `now`, and PEXPIREAT only makes Redis
// drop what the store already treats as gone. Replica clocks should agree (NTP); skew shifts
// an expiry by the skew.
import type { Result } from 'ioredis';

/** Session key scripts (KEYS[1] = the session hash). */
const sessionCreate = `
-- ARGV: now, expiresAt, field/value pairs. 'exists' when a live session holds the key, else
-- replaces whatever expired leftover is there, sets the expiry and answers 'ok'.
local expiresAt = redis.call('HGET', KEYS[1], 'expiresAt')
if expiresAt and tonumber(expiresAt) > tonumber(ARGV[1]) then return 'exists' end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 'ok'
`;

const sessionCompareAndSet = `
-- ARGV: now, expectedVersion, expiresAt, field/value pairs. 'missing' (unknown or expired),
-- 'conflict' (stored version differs), or 'ok' after writing the fields and the new expiry.
local stored = redis.call('HMGET', KEYS[1], 'version', 'expiresAt')
if not stored[1] or not stored[2] or tonumber(stored[2]) <= tonumber(ARGV[1]) then return 'missing' end
if tonumber(stored[1]) ~= tonumber(ARGV[2]) then return 'conflict' end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 'ok'
`;

const sessionCompareAndSetMany = `
-- The compare-and-sets of one engine batch in one call, on one server (not a cluster: its keys
-- span slots). KEYS: the sessions' hashes. ARGV[1]: every write's arguments packed in turn as
-- length-prefixed strings (a 4-byte little-endian length, then the bytes; redis-batch-writes.ts):
-- now, expectedVersion, expiresAt, the count n of field/value strings, then those n. One packed
-- argument instead of a dozen per write: the client's encoding of each argument was most of a
-- batched step's CPU. Answers per key what sessionCompareAndSet answers, or the error of that
-- key's own commands (redis.pcall: the other keys are still written, as in a pipeline).
local packed = ARGV[1]
local at = 1
local function nextString()
  local length = struct.unpack('<I4', packed, at)
  local value = string.sub(packed, at + 4, at + 3 + length)
  at = at + 4 + length
  return value
end
local results = {}
for i, key in ipairs(KEYS) do
  local now, expected, expiresAt = tonumber(nextString()), tonumber(nextString()), nextString()
  local fields = {}
  for k = 1, tonumber(nextString()) do fields[k] = nextString() end
  local stored = redis.pcall('HMGET', key, 'version', 'expiresAt')
  if stored.err then
    results[i] = stored
  elseif not stored[1] or not stored[2] or tonumber(stored[2]) <= now then
    results[i] = 'missing'
  elseif tonumber(stored[1]) ~= expected then
    results[i] = 'conflict'
  else
    local set = redis.pcall('HSET', key, unpack(fields))
    if type(set) == 'table' and set.err then
      results[i] = set
    else
      redis.call('PEXPIREAT', key, expiresAt)
      results[i] = 'ok'
    end
  end
end
return results
`;

const sessionRenew = `
-- ARGV: now, expiresAt. 0 when the session is unknown or expired; else moves its expiry to
-- expiresAt if that is later (version, t and state untouched) and answers 1.
local stored = redis.call('HGET', KEYS[1], 'expiresAt')
if not stored or tonumber(stored) <= tonumber(ARGV[1]) then return 0 end
if tonumber(ARGV[2]) > tonumber(stored) then
  redis.call('HSET', KEYS[1], 'expiresAt', ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[2])
end
return 1
`;

const sessionDelete = `
-- ARGV: now. {'deleted', model}, {'expired', model} (was already over; removed anyway, the sweep
-- reports it) or {'missing'}.
local stored = redis.call('HMGET', KEYS[1], 'model', 'expiresAt')
if not stored[1] then return {'missing'} end
redis.call('DEL', KEYS[1])
if not stored[2] or tonumber(stored[2]) <= tonumber(ARGV[1]) then return {'expired', stored[1]} end
return {'deleted', stored[1]}
`;

const sessionReap = `
-- ARGV: now. The session's expiresAt (a string) while it lives; otherwise deletes what is left
-- of it and answers nil.
local expiresAt = redis.call('HGET', KEYS[1], 'expiresAt')
if expiresAt and tonumber(expiresAt) > tonumber(ARGV[1]) then return expiresAt end
redis.call('DEL', KEYS[1])
return false
`;

/** Bookkeeping scripts (KEYS[1] = the :expiries sorted set, KEYS[2] = the :models hash). */
const indexReserve = `
-- ARGV: member, expiresAt, model, maxSessions, now. Takes a place for a new session:
-- {'ok'}; {'exists'} when the member is already there; {'full', due, earliestExpiresAt} when
-- maxSessions places are taken, 'due' of them past their (possibly stale) expiresAt.
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return {'exists'} end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  local due = redis.call('ZCOUNT', KEYS[1], '-inf', ARGV[5])
  local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {'full', due, earliest[2]}
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
return {'ok'}
`;

const indexForget = `
-- ARGV: members ('model\\0id'). Removes each; answers per member 1 when THIS call removed it
-- (so of racing replicas exactly one sees 1 and reports it), else 0.
local removed = {}
for i, member in ipairs(ARGV) do
  removed[i] = redis.call('ZREM', KEYS[1], member)
  if removed[i] == 1 then
    local model = string.sub(member, 1, string.find(member, '\\0', 1, true) - 1)
    if redis.call('HINCRBY', KEYS[2], model, -1) <= 0 then redis.call('HDEL', KEYS[2], model) end
  end
end
return removed
`;

/** The `scripts` option of the ioredis client: each becomes a method of the client and its pipelines. */
export const SESSION_SCRIPTS = {
  rnnSessionCreate: { lua: sessionCreate, numberOfKeys: 1 },
  rnnSessionCompareAndSet: { lua: sessionCompareAndSet, numberOfKeys: 1 },
  // The number of keys is the call's first argument (one per write of the batch).
  rnnSessionCompareAndSetMany: { lua: sessionCompareAndSetMany },
  rnnSessionRenew: { lua: sessionRenew, numberOfKeys: 1 },
  rnnSessionDelete: { lua: sessionDelete, numberOfKeys: 1 },
  rnnSessionReap: { lua: sessionReap, numberOfKeys: 1 },
  rnnIndexReserve: { lua: indexReserve, numberOfKeys: 2 },
  rnnIndexForget: { lua: indexForget, numberOfKeys: 2 },
} as const;

type Arg = string | Buffer | number;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rnnSessionCreate(key: string, now: number, expiresAt: number, ...fields: Arg[]): Result<string, Context>;
    rnnSessionCompareAndSet(key: string, now: number, expectedVersion: number, expiresAt: number, ...fields: Arg[]): Result<string, Context>;
    /** Per key: 'ok', 'conflict', 'missing', or that key's error (an Error in the reply). */
    rnnSessionCompareAndSetMany(numberOfKeys: number, ...keysThenPacked: Arg[]): Result<(string | Error)[], Context>;
    rnnSessionRenew(key: string, now: number, expiresAt: number): Result<number, Context>;
    rnnSessionDelete(key: string, now: number): Result<[string, string?], Context>;
    rnnSessionReap(key: string, now: number): Result<string | null, Context>;
    rnnIndexReserve(
      expiries: string,
      models: string,
      member: string,
      expiresAt: number,
      model: string,
      maxSessions: number,
      now: number,
    ): Result<[string, number?, string?], Context>;
    rnnIndexForget(expiries: string, models: string, ...members: string[]): Result<number[], Context>;
  }
}

// Bytes per session in Redis, per model: N sessions created through the server's REST route,
// then MEMORY USAGE of each session key (its hash, key name and dict entry), the growth of the
// bookkeeping keys (the expiry index and the per-model counts) divided by N, and the growth of
// used_memory divided by N (everything, including the entry in Redis's expires dict: what to
// provision). Also what a create costs Redis: commands and redis-server CPU per session.
import { sessionKeys } from '../src/sessions/redis-session-keys.js';
import type { BenchModel } from './capacity-models.js';
import { HttpPool, runConcurrently } from './http-pool.js';
import { commandCounts, commandsBetween, cpuSeconds } from './redis-probe.js';
import { encodingOf, memoryUsage, usedMemory } from './redis-stats.js';

export interface SessionMemory {
  readonly model: string;
  /** The Redis setting the row ran under ('default', or the CONFIG SET applied). */
  readonly redisConfig: string;
  readonly sessions: number;
  /** float32 state bytes of one session (h, and c for an LSTM). */
  readonly stateBytes: number;
  /** Mean MEMORY USAGE of a session's hash key. */
  readonly sessionKeyBytes: number;
  /** Growth of the bookkeeping keys' MEMORY USAGE, per session. */
  readonly bookkeepingBytes: number;
  /** Growth of INFO used_memory, per session. */
  readonly usedMemoryBytes: number;
  /** OBJECT ENCODING of a session hash. */
  readonly encoding: string;
  readonly commandsPerCreate: number;
  readonly createCommandDetail: string;
  /** redis-server CPU per create, microseconds (undefined when Redis is not local). */
  readonly redisCpuMicrosPerCreate: number | undefined;
}

export interface MemoryProbe {
  readonly redisUrl: string;
  readonly redisPid: number | undefined;
  readonly serverUrl: string;
  readonly keyPrefix: string;
}

export async function measureSessionMemory(model: BenchModel, sessions: number, probe: MemoryProbe, redisConfig = 'default'): Promise<SessionMemory> {
  const keys = sessionKeys(probe.keyPrefix);
  const pool = new HttpPool(probe.serverUrl, 32);
  try {
    const bookkeeping = async () => (await memoryUsage(probe.redisUrl, [keys.expiries, keys.models])).reduce((a, b) => a + b, 0);
    const bookkeepingBefore = await bookkeeping();
    const usedBefore = await usedMemory(probe.redisUrl);
    const commandsBefore = await commandCounts(probe.redisUrl);
    const cpuBefore = cpuSeconds(probe.redisPid);
    const body = JSON.stringify({ model: model.name });
    const ids = await runConcurrently(sessions, 32, async () => {
      const answer = await pool.send('POST', '/v1/sessions', body);
      if (answer.status !== 201 && answer.status !== 200) throw new Error(`create a ${model.name} session: ${answer.status} ${answer.body}`);
      return (JSON.parse(answer.body) as { session_id: string }).session_id;
    });
    const cpuAfter = cpuSeconds(probe.redisPid);
    const commands = commandsBetween(commandsBefore, await commandCounts(probe.redisUrl));
    const usedAfter = await usedMemory(probe.redisUrl);
    const bookkeepingAfter = await bookkeeping();
    const sizes = await memoryUsage(probe.redisUrl, ids.map((id) => keys.session(id)));
    let total = 0;
    const parts: string[] = [];
    for (const [name, calls] of [...commands].sort((a, b) => b[1] - a[1])) {
      total += calls;
      parts.push(`${name} ${(calls / sessions).toFixed(2)}`);
    }
    return {
      model: model.name,
      redisConfig,
      sessions,
      stateBytes: model.stateFloats * 4,
      sessionKeyBytes: sizes.reduce((a, b) => a + b, 0) / sizes.length,
      bookkeepingBytes: (bookkeepingAfter - bookkeepingBefore) / sessions,
      usedMemoryBytes: (usedAfter - usedBefore) / sessions,
      encoding: await encodingOf(probe.redisUrl, keys.session(ids[0]!)),
      commandsPerCreate: total / sessions,
      createCommandDetail: parts.join(', '),
      redisCpuMicrosPerCreate: cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) / sessions) * 1e6,
    };
  } finally {
    pool.close();
  }
}

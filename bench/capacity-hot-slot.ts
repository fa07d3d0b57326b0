// What the one hot slot costs: the bookkeeping keys ({sessions}:expiries and :models, one slot,
// so one shard whatever the cluster's size) are touched on every create, delete and expiry, never
// on a step. Measured by running the store's own scripts (src/sessions/redis-session-scripts.ts)
// against a Redis, as the store calls them: a reserve per create and a forget of one member per
// delete (64 in flight, unpipelined, as concurrent requests send them), and the sweep's
// ZRANGEBYSCORE of 500 due entries plus one forget of 500 members per expiry batch. The index
// holds `indexSize` entries while measuring, so the sorted set's O(log n) is that of a big one.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expiryMember, sessionKeys } from '../src/sessions/redis-session-keys.js';
import { SESSION_SCRIPTS } from '../src/sessions/redis-session-scripts.js';
import { runConcurrently } from './http-pool.js';
import { cpuSeconds } from './redis-probe.js';

export interface HotSlotCost {
  readonly indexSize: number;
  /** redis-server CPU per operation, microseconds. */
  readonly reserveMicros: number;
  readonly forgetOneMicros: number;
  /** Per expired session, in batches of 500 (ZRANGEBYSCORE + forget). */
  readonly sweepMicrosPerSession: number;
}

const SWEEP_BATCH = 500;

export async function measureHotSlot(url: string, pid: number | undefined, keyPrefix: string, indexSize: number, operations: number): Promise<HotSlotCost | undefined> {
  if (cpuSeconds(pid) === undefined) return undefined;
  const keys = sessionKeys(keyPrefix);
  const client = new Redis(url, { scripts: SESSION_SCRIPTS, maxRetriesPerRequest: 1 });
  try {
    const now = Date.now();
    const far = now + 3_600_000;
    // The resident index: entries that stay for the whole measurement.
    for (let start = 0; start < indexSize; start += 1000) {
      const pipeline = client.pipeline();
      for (let i = start; i < Math.min(indexSize, start + 1000); i++) pipeline.rnnIndexReserve(keys.expiries, keys.models, expiryMember('resident', randomUUID()), far + i, 'resident', 1e9, now);
      await pipeline.exec();
    }
    const members = Array.from({ length: operations }, () => expiryMember('bench', randomUUID()));
    const timed = async (run: () => Promise<unknown>): Promise<number> => {
      const before = cpuSeconds(pid)!;
      await run();
      return ((cpuSeconds(pid)! - before) / operations) * 1e6;
    };
    const reserveMicros = await timed(() => runConcurrently(operations, 64, (i) => client.rnnIndexReserve(keys.expiries, keys.models, members[i]!, now + i, 'bench', 1e9, now)));
    const forgetOneMicros = await timed(() => runConcurrently(operations, 64, (i) => client.rnnIndexForget(keys.expiries, keys.models, members[i]!)));
    // Due entries for the sweep: scored in the past, so ZRANGEBYSCORE -inf..now finds them first.
    for (let start = 0; start < operations; start += 1000) {
      const pipeline = client.pipeline();
      for (let i = start; i < Math.min(operations, start + 1000); i++) pipeline.rnnIndexReserve(keys.expiries, keys.models, members[i]!, now - operations + i, 'bench', 1e9, now);
      await pipeline.exec();
    }
    const sweepMicrosPerSession = await timed(async () => {
      for (;;) {
        const due = await client.zrangebyscore(keys.expiries, '-inf', now, 'LIMIT', 0, SWEEP_BATCH);
        if (due.length === 0) break;
        await client.rnnIndexForget(keys.expiries, keys.models, ...due);
      }
    });
    return { indexSize, reserveMicros, forgetOneMicros, sweepMicrosPerSession };
  } finally {
    await client.del(keys.expiries, keys.models);
    client.disconnect();
  }
}

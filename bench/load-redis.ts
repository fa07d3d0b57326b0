// The Redis of the load test: a local three-shard Redis Cluster (three primaries, three
// replicas: scripts/local-redis-cluster.ts) or one private redis-server (bench/redis-probe.ts),
// with what the test reads per shard: memory, keys and redis-server CPU.
import { Redis } from 'ioredis';
import { LocalRedisCluster } from '../scripts/local-redis-cluster.js';
import { CONFIG_DEFAULTS } from '../src/config.js';
import { benchRedis } from './redis-probe.js';
import { infoNumbers } from './redis-stats.js';

export interface Shard {
  /** Where to send INFO and DBSIZE (a primary). */
  readonly url: string;
  readonly pid: number | undefined;
  /** Its replicas' addresses and process ids (none for a single Redis). */
  readonly replicaUrls: readonly string[];
  readonly replicaPids: readonly (number | undefined)[];
}

export interface LoadRedis {
  readonly description: string;
  /** The servers' environment for this store. */
  readonly serverEnv: Readonly<Record<string, string>>;
  readonly shards: readonly Shard[];
  stop(): Promise<void>;
}

export async function startLoadRedis(kind: 'cluster' | 'single'): Promise<LoadRedis> {
  if (kind === 'single') {
    const redis = await benchRedis();
    if (redis === undefined) throw new Error('no Redis for the load test: install redis-server');
    return { description: `single Redis (${redis.description})`, serverEnv: { REDIS_URL: redis.url }, shards: [{ url: redis.url, pid: redis.pid, replicaUrls: [], replicaPids: [] }], stop: () => redis.stop() };
  }
  const cluster = await LocalRedisCluster.start({ primaries: 3, replicasPerPrimary: 1 });
  try {
    const shards: Shard[] = [];
    for (const { primary, replicas } of await cluster.shards()) {
      const url = `redis://127.0.0.1:${primary.port}`;
      const replicaUrls = replicas.map((r) => `redis://127.0.0.1:${r.port}`);
      const pidOf = async (nodeUrl: string) => (await infoNumbers(nodeUrl, 'server')).get('process_id');
      shards.push({ url, pid: await pidOf(url), replicaUrls, replicaPids: await Promise.all(replicaUrls.map(pidOf)) });
    }
    return {
      description: `a local Redis Cluster of ${shards.length} primaries with one replica each (ports ${cluster.ports.join(', ')})`,
      // REDIS_CLUSTER_NODES where the config reads it; the redis+cluster:// URL means the same.
      serverEnv: 'REDIS_CLUSTER_NODES' in CONFIG_DEFAULTS ? { REDIS_CLUSTER_NODES: cluster.seeds } : { REDIS_URL: `redis+cluster://${cluster.seeds}` },
      shards,
      stop: () => cluster.stop(),
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** used_memory and the number of keys of one node. */
export async function nodeMemory(url: string): Promise<{ usedMemory: number; keys: number }> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const memory = (await infoNumbers(url, 'memory')).get('used_memory') ?? Number.NaN;
    return { usedMemory: memory, keys: await client.dbsize() };
  } finally {
    client.disconnect();
  }
}

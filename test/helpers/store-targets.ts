// The Redis deployments the store's tests run against: the shared single Redis (TEST_REDIS_URL)
// and a real Redis Cluster of three primaries and three replicas that this test file starts on
// free local ports (scripts/local-redis-cluster.ts) and stops when the file ends. A test file
// written once against StoreTarget runs unchanged on both: `for (const target of await
// storeTargets()) describe(target.name, ...)`.
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { Cluster, Redis } from 'ioredis';
import { LocalRedisCluster } from '../../scripts/local-redis-cluster.js';
import { requireRedis, TEST_REDIS_URL } from './redis.js';

export interface StoreTarget {
  readonly name: 'redis' | 'redis cluster';
  /** The store's connection options (createRedisSessionStore's url and clusterNodes). */
  readonly connection: { readonly url: string; readonly clusterNodes?: string };
  /** The same as environment variables, for a server (buildTestApp, ServerProcess). */
  readonly env: Readonly<Record<string, string>>;
  /** A client for assertions and cleanup: a Redis, or a Cluster that routes by key. */
  readonly admin: Redis | Cluster;
  /** A key prefix nothing else uses; its keys are deleted after the file. */
  newPrefix(label?: string): string;
  /** Every key under `prefix`, on every primary. */
  keys(prefix: string): Promise<string[]>;
  /** The local cluster, for fault tests (undefined for the single Redis). */
  readonly cluster: LocalRedisCluster | undefined;
}

/** The single Redis and a fresh local cluster; both closed (the cluster stopped) after the file. */
export async function storeTargets(): Promise<StoreTarget[]> {
  return [await singleRedisTarget(), await clusterTarget()];
}

export async function singleRedisTarget(): Promise<StoreTarget> {
  await requireRedis();
  const admin = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  const prefixes: string[] = [];
  after(async () => {
    for (const prefix of prefixes) {
      const keys = await admin.keys(`${prefix}*`); // prefixes hold no glob characters
      if (keys.length > 0) await admin.del(...keys);
    }
    await admin.quit();
  });
  return {
    name: 'redis',
    connection: { url: TEST_REDIS_URL },
    env: { REDIS_URL: TEST_REDIS_URL },
    admin,
    newPrefix: (label = 'test') => {
      const prefix = `rnn-serve-${label}:${randomUUID()}:`;
      prefixes.push(prefix);
      return prefix;
    },
    keys: (prefix) => admin.keys(`${prefix}*`),
    cluster: undefined,
  };
}

/** Starts a local cluster for this file (a few seconds) and an admin Cluster client on it. */
export async function clusterTarget(options: Parameters<typeof LocalRedisCluster.start>[0] = {}): Promise<StoreTarget> {
  const cluster = await LocalRedisCluster.start(options);
  const admin = new Cluster(cluster.seeds.split(',').map((seed) => ({ host: seed.split(':')[0]!, port: Number(seed.split(':')[1]) })), {
    redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2000 },
  });
  admin.on('error', () => undefined); // fault tests take nodes away; assertions see the failures
  after(async () => {
    admin.disconnect();
    await cluster.stop();
  });
  return {
    name: 'redis cluster',
    connection: { url: 'redis://unused', clusterNodes: cluster.seeds },
    env: { REDIS_CLUSTER_NODES: cluster.seeds },
    admin,
    newPrefix: (label = 'test') => `rnn-serve-${label}:${randomUUID()}:`, // the cluster goes, keys and all
    keys: async (prefix) => (await Promise.all(admin.nodes('master').map((node) => node.keys(`${prefix}*`)))).flat(),
    cluster,
  };
}

// What the session store costs each shard of a real local Redis Cluster (scripts/local-redis-cluster.ts),
// read from every primary's INFO commandstats and INFO stats: per session created, per session
// expired (swept), and per engine batch of compare-and-sets (one pipeline per shard?). The
// bookkeeping keys ({sessions}:expiries and :models) share one slot: this says how much of the
// load lands on the one shard that holds it.
//
//   npx tsx bench/cluster-bookkeeping.ts [sessions=2000]
import { LocalRedisCluster } from '../scripts/local-redis-cluster.js';
import { createRedisSessionStore } from '../src/sessions/redis-session-store.js';
import type { SessionRecord } from '../src/sessions/session-store.js';

const SESSIONS = Number(process.argv[2] ?? 2000);
const STATE_FLOATS = 256; // an LSTM of H = 128: h and c
const BATCH = 64;

const cluster = await LocalRedisCluster.start();
try {
  const shards = await cluster.shards();
  const primaries = shards.map((shard) => shard.primary.port);
  const prefix = 'bench:';
  let now = Date.now();
  const store = createRedisSessionStore({ url: 'redis://unused', clusterNodes: cluster.seeds, keyPrefix: prefix, maxSessions: 10 * SESSIONS, now: () => now, sweepIntervalMs: 3_600_000 });
  const bookkeeping = await cluster.primaryOfSlot(await cluster.slotOf(store.keys.expiries));
  const record = (i: number): SessionRecord => ({
    id: `bench-${i}`,
    model: 'lstm',
    modelIdentity: 'sha256:bench',
    t: 0,
    version: 0,
    state: new Float32Array(STATE_FLOATS).fill(0.5),
    createdAt: now,
    ttlSeconds: 60,
    expiresAt: now + 60_000,
  });

  const cpuMark = new Map<number, number>();
  const reset = async () => {
    await Promise.all(primaries.map((port) => cluster.command(port, 'CONFIG', 'RESETSTAT')));
    for (const row of await read()) cpuMark.set(row.port, row.cpuSeconds);
  };
  const read = async () =>
    Promise.all(
      primaries.map(async (port) => {
        const stats = String(await cluster.command(port, 'INFO', 'commandstats'));
        const net = String(await cluster.command(port, 'INFO', 'stats'));
        const cpu = String(await cluster.command(port, 'INFO', 'cpu'));
        const cpuSeconds = Number(/used_cpu_user:([\d.]+)/.exec(cpu)?.[1]) + Number(/used_cpu_sys:([\d.]+)/.exec(cpu)?.[1]);
        const calls = [...stats.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)]
          .filter(([, name]) => !['info', 'config', 'cluster', 'ping', 'client', 'command'].some((skip) => name!.startsWith(skip)))
          .map(([, name, count]) => [name!, Number(count)] as const);
        const input = Number(/total_net_input_bytes:(\d+)/.exec(net)?.[1]);
        const output = Number(/total_net_output_bytes:(\d+)/.exec(net)?.[1]);
        return { port, cpuSeconds, bookkeeping: port === bookkeeping.port, commands: Object.fromEntries(calls), total: calls.reduce((s, [, n]) => s + n, 0), input, output };
      }),
    );
  const perSession = (rows: Awaited<ReturnType<typeof read>>, n: number) =>
    rows.map((row) => ({
      shard: row.port,
      bookkeeping: row.bookkeeping,
      commandsPerSession: +(row.total / n).toFixed(2),
      // CPU the node spent per session since the mark (INFO cpu; not reset by RESETSTAT).
      cpuMicrosecondsPerSession: Math.round(((row.cpuSeconds - (cpuMark.get(row.port) ?? 0)) / n) * 1e6),
      bytesInPerSession: Math.round(row.input / n),
      bytesOutPerSession: Math.round(row.output / n),
      commands: Object.fromEntries(Object.entries(row.commands).map(([name, count]) => [name, +(count / n).toFixed(2)])),
    }));

  await store.ping();
  await reset();
  for (let i = 0; i < SESSIONS; i += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, SESSIONS - i) }, (_, j) => store.create(record(i + j))));
  }
  console.log('per session created:', JSON.stringify(perSession(await read(), SESSIONS), null, 1));

  await reset();
  const writesBefore = new Map(store.connection.roundTripsByNode);
  const batches = 20;
  for (let b = 0; b < batches; b++) {
    // One engine batch: BATCH compare-and-sets issued in one synchronous run.
    const results = await Promise.all(
      Array.from({ length: BATCH }, (_, j) => {
        const current = record(j);
        return store.compareAndSet(current.id, b, { ...current, t: b + 1, version: b + 1 });
      }),
    );
    if (results.some((result) => result !== 'ok')) throw new Error(`batch ${b}: ${results.join(',')}`);
  }
  const writes = [...store.connection.roundTripsByNode].map(([node, count]) => [node, (count - (writesBefore.get(node) ?? 0)) / batches]);
  console.log(`socket writes per node per batch of ${BATCH} compare-and-sets:`, JSON.stringify(Object.fromEntries(writes)));
  console.log('commands per node per batch:', JSON.stringify((await read()).map((row) => ({ shard: row.port, evalsha: (row.commands.evalsha ?? 0) / batches }))));

  now += 120_000; // every session past its expiry
  await reset();
  let expired = 0;
  for (;;) {
    const reported = await store.sweep();
    expired += reported;
    if (reported === 0) break;
  }
  console.log(`per session expired (${expired} swept):`, JSON.stringify(perSession(await read(), expired), null, 1));
  await store.close();
} finally {
  await cluster.stop();
}

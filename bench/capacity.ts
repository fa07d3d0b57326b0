// The capacity model's measured inputs (docs/capacity.md), on this machine: bytes per session in
// Redis for each bundled model and LSTM/GRU of H = 128..1024 (bench/capacity-memory.ts), what a
// step costs a replica and a shard in CPU, commands and bytes (bench/capacity-steps.ts, WebSocket
// streams in a closed loop on the memory and the Redis store), and what the bookkeeping slot
// costs per session (bench/capacity-hot-slot.ts). Prints the tables and the capacity plan they
// give (bench/capacity-arithmetic.ts), and writes the inputs as JSON (CAPACITY_JSON, default
// docs/capacity-inputs.json). Redis: a private redis-server on a free port (bench/redis-probe.ts).
// Then the same memory rows, and the Redis step rows of PLAN_MODELS, once more with
// hash-max-listpack-value raised above the largest state (LISTPACK_CONFIG): a session hash whose
// state field is over Redis's default 64 bytes is a hashtable, several hundred bytes of overhead
// per session that the compact listpack encoding does not have.
// Last, the step rows of PLAN_MODELS on a local three-shard Redis Cluster (three primaries, a
// replica each: bench/load-redis.ts), Redis CPU summed over the primaries and, apart, the
// replicas' (CLUSTER_ROWS=0 leaves them out). The plan takes its step costs from the cluster
// rows when there are any (a cluster splits each batch over its shards and feeds every write to a
// replica: both cost CPU per step), else from the single-Redis rows; memory from the default rows.
// Run with `npm run bench:capacity` (SESSIONS=3000 per model, SOCKETS=64, ROW_SECONDS=2).
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DEFAULT_HEADROOM, formatBytes, plan, type MeasuredCosts } from './capacity-arithmetic.js';
import { measureHotSlot, type HotSlotCost } from './capacity-hot-slot.js';
import { measureSessionMemory, type SessionMemory } from './capacity-memory.js';
import { writeBenchModels, type BenchModel } from './capacity-models.js';
import { measureStepCost, type StepCost } from './capacity-steps.js';
import { freePort, repoRoot, startServer, stopServer, SERVER_ENTRY } from './child-server.js';
import { startLoadRedis } from './load-redis.js';
import { benchRedis, deleteKeys, loadAverage } from './redis-probe.js';

const SESSIONS = Number(process.env.SESSIONS ?? 3000);
const SOCKETS = Number(process.env.SOCKETS ?? 64);
const ROW_SECONDS = Number(process.env.ROW_SECONDS ?? 2);
const OUTPUT = process.env.CAPACITY_JSON ?? join(repoRoot, 'docs/capacity-inputs.json');
/** The models the plan is printed for (the doc's tables); every model's inputs are in the JSON. */
const PLAN_MODELS = (process.env.PLAN_MODELS ?? 'co2-lstm,kjv-char-gru,lstm-1024').split(',');
const LISTPACK_CONFIG = ['hash-max-listpack-value', '16384'] as const;
const LISTPACK = LISTPACK_CONFIG.join(' ');
const CLUSTER_ROWS = process.env.CLUSTER_ROWS !== '0';

async function server(modelsDir: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = await startServer(SERVER_ENTRY, { MODELS_DIR: modelsDir, LOG_LEVEL: 'warn', API_KEYS: '', MAX_SESSIONS: '10000000', ...env }, port, '/readyz');
  return { child, url: `http://127.0.0.1:${port}` };
}

const fixed = (value: number | undefined, digits = 1) => (value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const { dir, models, remove } = writeBenchModels();
  const redis = await benchRedis();
  if (redis === undefined) throw new Error('bench:capacity needs Redis: install redis-server (a private one is started) or set REDIS_URL');
  const prefix = `rnn-serve-capacity:${randomUUID()}:`;
  const children: ChildProcess[] = [];
  const memory: SessionMemory[] = [];
  const steps: StepCost[] = [];
  let hotSlot: HotSlotCost | undefined;
  try {
    const redisServer = await server(dir, { SESSION_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix });
    children.push(redisServer.child);
    const memoryServer = await server(dir, { SESSION_STORE: 'memory' });
    children.push(memoryServer.child);
    const probe = { redisUrl: redis.url, redisPid: redis.pid, serverUrl: redisServer.url, keyPrefix: prefix };
    const redisTarget = (config: string) => ({
      store: 'redis' as const,
      serverUrl: redisServer.url,
      serverPid: redisServer.child.pid,
      redis: { primaries: [{ url: redis.url, pid: redis.pid }], config, topology: 'single' },
    });
    for (const model of models) memory.push(await measureSessionMemory(model, SESSIONS, probe));
    await deleteKeys(redis.url, prefix);
    for (const model of models) {
      steps.push(await measureStepCost(model, { store: 'memory', serverUrl: memoryServer.url, serverPid: memoryServer.child.pid }, SOCKETS, ROW_SECONDS));
      steps.push(await measureStepCost(model, redisTarget('default'), SOCKETS, ROW_SECONDS));
    }
    // One stream alone: every step its own engine call and round trip, the costliest case.
    for (const model of models.filter((m) => PLAN_MODELS.includes(m.name))) steps.push(await measureStepCost(model, redisTarget('default'), 1, ROW_SECONDS));
    hotSlot = await measureHotSlot(redis.url, redis.pid, `${prefix}hot-slot:`, 100_000, 20_000);
    console.error('(default Redis settings measured; now with', LISTPACK, ')');
    const previous = await configSet(redis.url, ...LISTPACK_CONFIG);
    try {
      for (const model of models) memory.push(await measureSessionMemory(model, SESSIONS, probe, LISTPACK));
      await deleteKeys(redis.url, prefix);
      for (const model of models.filter((m) => PLAN_MODELS.includes(m.name))) {
        steps.push(await measureStepCost(model, redisTarget(LISTPACK), SOCKETS, ROW_SECONDS));
        steps.push(await measureStepCost(model, redisTarget(LISTPACK), 1, ROW_SECONDS));
      }
    } finally {
      await configSet(redis.url, LISTPACK_CONFIG[0], previous);
    }
    if (CLUSTER_ROWS) steps.push(...(await clusterStepRows(dir, prefix, models.filter((m) => PLAN_MODELS.includes(m.name)))));
  } finally {
    for (const child of children.reverse()) await stopServer(child);
    await deleteKeys(redis.url, prefix).catch(() => undefined);
    await redis.stop();
    remove();
  }
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`;
  const load = `${loadBefore} before, ${loadAverage()} after`;
  console.log(`\nCapacity inputs (${machine}; Redis: ${redis.description}; ${load})`);
  printMemory(memory);
  printSteps(steps);
  if (hotSlot !== undefined) {
    console.log(
      `\nBookkeeping slot (index of ${hotSlot.indexSize} entries), redis-server CPU: reserve ${fixed(hotSlot.reserveMicros)} us per create, ` +
        `forget ${fixed(hotSlot.forgetOneMicros)} us per delete, sweep ${fixed(hotSlot.sweepMicrosPerSession)} us per expired session`,
    );
  }
  const plans = PLAN_MODELS.flatMap((name) => {
    const config = 'default';
    const costs = costsOf(models.find((m) => m.name === name), config, memory, steps, hotSlot);
    return costs === undefined ? [] : [{ model: name, config, costs }];
  });
  for (const { model, costs } of plans) printPlan(model, costs);
  const inputs = {
    command: 'npm run bench:capacity',
    measuredAt: new Date().toISOString(),
    machine,
    loadAverage: load,
    redis: redis.description,
    settings: { sessionsPerModel: SESSIONS, sockets: SOCKETS, rowSeconds: ROW_SECONDS },
    headroom: DEFAULT_HEADROOM,
    models,
    memory,
    steps,
    hotSlot,
    plans: plans.map(({ model, config, costs }) => ({
      model,
      redisConfig: config,
      costs,
      loads: LOADS.map(([sessions, rate]) => plan(sessions, rate, costs)),
    })),
  };
  writeFileSync(OUTPUT, `${JSON.stringify(inputs, null, 2)}\n`);
  console.log(`\n(inputs written to ${OUTPUT})`);
}

/** Step rows on a local three-shard cluster, batched and lone, through a server of their own. */
async function clusterStepRows(modelsDir: string, prefix: string, models: readonly BenchModel[]): Promise<StepCost[]> {
  const cluster = await startLoadRedis('cluster');
  const rows: StepCost[] = [];
  try {
    const clusterServer = await server(modelsDir, { SESSION_STORE: 'redis', ...cluster.serverEnv, REDIS_KEY_PREFIX: prefix });
    try {
      const target = {
        store: 'redis' as const,
        serverUrl: clusterServer.url,
        serverPid: clusterServer.child.pid,
        redis: {
          primaries: cluster.shards.map((shard) => ({ url: shard.url, pid: shard.pid })),
          replicaPids: cluster.shards.flatMap((shard) => shard.replicaPids),
          config: 'default',
          topology: `cluster of ${cluster.shards.length} primaries`,
        },
      };
      for (const model of models) {
        rows.push(await measureStepCost(model, target, SOCKETS, ROW_SECONDS));
        rows.push(await measureStepCost(model, target, 1, ROW_SECONDS));
      }
    } finally {
      await stopServer(clusterServer.child);
    }
  } finally {
    await cluster.stop();
  }
  return rows;
}

/** The loads of the plan: [sessions, steps per second each]. */
const LOADS = [[1e4, 1], [1e6, 1], [1e8, 1], [1e6, 10]] as const;

async function configSet(url: string, name: string, value: string): Promise<string> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const [, previous] = (await client.config('GET', name)) as [string, string];
    await client.config('SET', name, value);
    return previous;
  } finally {
    client.disconnect();
  }
}

/**
 * The arithmetic's inputs for a model under a Redis setting: its Redis-store rows (a cluster's
 * when measured, else the single Redis's) and its memory row. Memory per session is the larger of used_memory's growth and the keys' MEMORY USAGE (the
 * growth of a small sample moves in the steps of Redis's dict resizing).
 */
function costsOf(
  model: BenchModel | undefined,
  config: string,
  memory: readonly SessionMemory[],
  steps: readonly StepCost[],
  hotSlot: HotSlotCost | undefined,
): MeasuredCosts | undefined {
  const rowsOf = (cluster: boolean) =>
    steps.filter((s) => s.model === model?.name && s.store === 'redis' && s.redisConfig === config && (s.redisTopology !== 'single') === cluster);
  const rows = rowsOf(true).length > 0 ? rowsOf(true) : rowsOf(false);
  const rowAt = (sockets: number) => rows.find((s) => s.sockets === sockets);
  const row = rowAt(SOCKETS);
  const lone = rowAt(1);
  const bytes = memory.find((m) => m.model === model?.name && m.redisConfig === config);
  if (row?.serverCpuMicros === undefined || row.redisCpuMicros === undefined || bytes === undefined || hotSlot === undefined) return undefined;
  if (lone?.serverCpuMicros === undefined || lone.redisCpuMicros === undefined) return undefined;
  const hotSlotMicros = hotSlot.reserveMicros + Math.max(hotSlot.forgetOneMicros, hotSlot.sweepMicrosPerSession);
  return {
    serverMicrosPerStep: row.serverCpuMicros,
    redisMicrosPerStep: row.redisCpuMicros,
    redisMicrosPerStepUnbatched: lone.redisCpuMicros,
    serverMicrosPerStepUnbatched: lone.serverCpuMicros,
    redisBytesPerSession: Math.max(bytes.usedMemoryBytes, bytes.sessionKeyBytes + bytes.bookkeepingBytes),
    redisBytesPerStep: (row.redisBytesInPerStep ?? 0) + (row.redisBytesOutPerStep ?? 0),
    // A create as measured through the server, plus its end (the costlier of delete and expiry).
    redisMicrosPerSessionLifecycle: (bytes.redisCpuMicrosPerCreate ?? 0) + Math.max(hotSlot.forgetOneMicros, hotSlot.sweepMicrosPerSession),
    hotSlotMicrosPerSession: hotSlotMicros,
  };
}

function printMemory(rows: readonly SessionMemory[]): void {
  console.log(`\nBytes per session in Redis (${rows[0]?.sessions ?? 0} sessions per model, created through POST /v1/sessions)\n`);
  console.log('| model | Redis setting | state bytes | MEMORY USAGE of the session key | bookkeeping keys, per session | used_memory per session | encoding | redis cmds per create | redis CPU us per create |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.model} | ${r.redisConfig} | ${r.stateBytes} | ${fixed(r.sessionKeyBytes, 0)} | ${fixed(r.bookkeepingBytes, 0)} | ${fixed(r.usedMemoryBytes, 0)} | ${r.encoding} | ${fixed(r.commandsPerCreate, 2)} | ${fixed(r.redisCpuMicrosPerCreate)} |`);
  }
  console.log(`\ncommands per create: ${rows[0]?.createCommandDetail ?? ''}`);
}

function printSteps(rows: readonly StepCost[]): void {
  console.log(`\nOne step (WebSocket streams, closed loop, one element per JSON frame, one server process)\n`);
  console.log('| model | store | streams | steps/s | p50 ms | p99 ms | server CPU us/step | server core use | steps/s per replica core | redis CPU us/step (primaries) | steps/s per shard core | shard replicas CPU us/step | redis cmds/step | round trips/step | bytes in/step | bytes out/step |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const perCore = (us: number | undefined) => (us === undefined ? '-' : String(Math.round(1e6 / us)));
    console.log(
      `| ${r.model} | ${r.store === 'redis' ? `redis ${r.redisTopology} (${r.redisConfig})` : r.store} | ${r.sockets} | ${Math.round(r.stepsPerSecond)} | ${fixed(r.p50Ms, 2)} | ${fixed(r.p99Ms, 2)} | ${fixed(r.serverCpuMicros)} | ${fixed(r.serverCoreUse, 2)} | ${perCore(r.serverCpuMicros)} | ` +
        `${fixed(r.redisCpuMicros)} | ${r.store === 'redis' ? perCore(r.redisCpuMicros) : ''} | ${fixed(r.redisReplicaCpuMicros)} | ${fixed(r.redisCommandsPerStep, 2)} | ${fixed(r.redisRoundTripsPerStep, 3)} | ${fixed(r.redisBytesInPerStep, 0)} | ${fixed(r.redisBytesOutPerStep, 0)} |`,
    );
  }
  const detail = rows.find((r) => r.store === 'redis');
  if (detail !== undefined) console.log(`\nredis commands per step (${detail.model}): ${detail.redisCommandDetail}`);
}

function printPlan(model: string, costs: MeasuredCosts): void {
  const h = DEFAULT_HEADROOM;
  console.log(
    `\nPlan for ${model} (CPU target ${h.cpuTarget * 100}%, ${formatBytes(h.shardMemoryBytes)} of sessions per primary, ${h.replicasPerShard} replica per shard, sessions live ${h.sessionLifetimeSeconds} s)\n`,
  );
  console.log('| sessions | steps/s each | steps/s | replicas (batched - unbatched) | shards (batched - unbatched; for CPU, for memory) | Redis memory (primaries / with replicas) | Redis network traffic (clients and replication) | bookkeeping slot core use |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [sessions, rate] of LOADS) {
    const p = plan(sessions, rate, costs);
    console.log(
      `| ${sessions.toExponential(0)} | ${rate} | ${p.stepsPerSecond.toExponential(1)} | ${p.replicas} - ${p.replicasUnbatched} | ${p.shards} - ${p.shardsUnbatched} (${p.shardsForCpu} - ${p.shardsForCpuUnbatched}, ${p.shardsForMemory}) | ` +
        `${formatBytes(p.primaryMemoryBytes)} / ${formatBytes(p.totalMemoryBytes)} | ${formatBytes(p.redisBandwidth)}/s | ${(p.hotSlotCoreUse * 100).toFixed(1)}% |`,
    );
  }
}

await main();

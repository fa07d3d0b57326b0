// Steps per second and what one step costs, per model: `sockets` WebSocket streams in a closed
// loop against one server process, with the server's and redis-server's CPU per step (from
// /proc), and on the Redis store the commands (INFO commandstats), round trips (the server's
// counter) and network bytes (INFO stats) per step. CPU per step is what scales: 10^6 / (us per
// step) is the steps/s of one saturated core, for a replica and for a shard. On a Redis Cluster
// the Redis figures are the sum over the primaries (each serves its share of the steps), and the
// replicas' CPU (applying the primaries' replication stream) is reported on its own.
import type { BenchModel } from './capacity-models.js';
import { streamFrames } from './capacity-models.js';
import { quantile } from './http-pool.js';
import { commandCounts, commandsBetween, cpuSeconds, storeRoundTrips } from './redis-probe.js';
import { networkBytes } from './redis-stats.js';
import { openClosedLoopStreams } from './ws-closed-loop.js';

export interface StepCost {
  readonly model: string;
  readonly store: 'memory' | 'redis';
  /** The Redis setting the row ran under ('default', or the CONFIG SET applied). */
  readonly redisConfig?: string;
  readonly sockets: number;
  readonly stepsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU per step, microseconds. */
  readonly serverCpuMicros: number | undefined;
  /** Share of one core the server used during the row (1 = saturated). */
  readonly serverCoreUse: number | undefined;
  readonly redisCpuMicros?: number | undefined;
  /** Shard replicas' CPU per step, summed (a cluster's replicas apply every write too). */
  readonly redisReplicaCpuMicros?: number | undefined;
  /** 'single' or 'cluster of N primaries'. */
  readonly redisTopology?: string;
  readonly redisCommandsPerStep?: number;
  readonly redisCommandDetail?: string;
  readonly redisRoundTripsPerStep?: number;
  /** Bytes Redis read from / wrote to clients per step. */
  readonly redisBytesInPerStep?: number;
  readonly redisBytesOutPerStep?: number;
}

export interface StepTarget {
  readonly store: 'memory' | 'redis';
  readonly serverUrl: string;
  readonly serverPid: number | undefined;
  readonly redis?: StepRedis;
}

export interface StepRedis {
  /** One Redis, or a cluster's primaries. */
  readonly primaries: readonly { readonly url: string; readonly pid: number | undefined }[];
  readonly replicaPids?: readonly (number | undefined)[];
  readonly config: string;
  readonly topology: string;
}

/** The sum of f over the nodes, undefined when any is unknown. */
async function summed<T>(items: readonly T[], f: (item: T) => Promise<number | undefined> | number | undefined): Promise<number | undefined> {
  let total = 0;
  for (const item of items) {
    const value = await f(item);
    if (value === undefined) return undefined;
    total += value;
  }
  return total;
}

async function commandsOf(primaries: StepRedis['primaries']): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for (const primary of primaries) {
    for (const [name, calls] of await commandCounts(primary.url)) total.set(name, (total.get(name) ?? 0) + calls);
  }
  return total;
}

async function bytesOf(primaries: StepRedis['primaries']): Promise<{ input: number; output: number }> {
  const all = await Promise.all(primaries.map((primary) => networkBytes(primary.url)));
  return { input: all.reduce((sum, b) => sum + b.input, 0), output: all.reduce((sum, b) => sum + b.output, 0) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureStepCost(model: BenchModel, target: StepTarget, sockets: number, seconds: number): Promise<StepCost> {
  const url = `${target.serverUrl.replace('http', 'ws')}/v1/models/${model.name}/stream`;
  const streams = await openClosedLoopStreams(url, sockets, streamFrames(model));
  try {
    await sleep(500); // warm-up: V8 compiles the hot path, the engine's batch sizes settle
    const redis = target.redis;
    const commandsBefore = redis && (await commandsOf(redis.primaries));
    const bytesBefore = redis && (await bytesOf(redis.primaries));
    const tripsBefore = redis && (await storeRoundTrips(target.serverUrl));
    const serverCpuBefore = cpuSeconds(target.serverPid);
    const redisCpuBefore = redis && (await summed(redis.primaries, (p) => cpuSeconds(p.pid)));
    const replicaCpuBefore = redis && (await summed(redis.replicaPids ?? [], cpuSeconds));
    streams.resetLatencies();
    const repliesBefore = streams.replies();
    const started = performance.now();
    await sleep(seconds * 1000);
    const steps = streams.replies() - repliesBefore;
    const wall = (performance.now() - started) / 1000;
    const serverCpuAfter = cpuSeconds(target.serverPid);
    const redisCpuAfter = redis && (await summed(redis.primaries, (p) => cpuSeconds(p.pid)));
    const replicaCpuAfter = redis && (await summed(redis.replicaPids ?? [], cpuSeconds));
    const latencies = streams.latencies().sort((a, b) => a - b);
    if (streams.errors() > 0) throw new Error(`${model.name} on the ${target.store} store: ${streams.errors()} error replies`);
    const perStep = (before: number | undefined, after: number | undefined) =>
      before === undefined || after === undefined ? undefined : ((after - before) / steps) * 1e6;
    const row: StepCost = {
      model: model.name,
      store: target.store,
      sockets,
      stepsPerSecond: steps / wall,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      serverCpuMicros: perStep(serverCpuBefore, serverCpuAfter),
      serverCoreUse: serverCpuBefore === undefined || serverCpuAfter === undefined ? undefined : (serverCpuAfter - serverCpuBefore) / wall,
    };
    if (redis === undefined) return row;
    const tripsAfter = await storeRoundTrips(target.serverUrl);
    const bytesAfter = await bytesOf(redis.primaries);
    const commands = commandsBetween(commandsBefore!, await commandsOf(redis.primaries));
    // The probes' own INFO traffic is a few hundred bytes against megabytes of steps: left in.
    let total = 0;
    const parts: string[] = [];
    for (const [name, calls] of [...commands].sort((a, b) => b[1] - a[1])) {
      total += calls;
      parts.push(`${name} ${(calls / steps).toFixed(2)}`);
    }
    return {
      ...row,
      redisConfig: redis.config,
      redisTopology: redis.topology,
      redisCpuMicros: perStep(redisCpuBefore, redisCpuAfter),
      ...((redis.replicaPids ?? []).length > 0 ? { redisReplicaCpuMicros: perStep(replicaCpuBefore, replicaCpuAfter) } : {}),
      redisCommandsPerStep: total / steps,
      redisCommandDetail: parts.join(', '),
      redisRoundTripsPerStep: (tripsAfter - tripsBefore!) / steps,
      redisBytesInPerStep: (bytesAfter.input - bytesBefore!.input) / steps,
      redisBytesOutPerStep: (bytesAfter.output - bytesBefore!.output) / steps,
    };
  } finally {
    await streams.close();
  }
}

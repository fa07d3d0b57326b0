// The capacity model's arithmetic (docs/capacity.md): from measured per-step and per-session
// costs to the replicas, shards and Redis memory a load needs. Pure functions, so the bench, the
// document and a unit test agree on one formula.

export interface MeasuredCosts {
  /** Server CPU per step, microseconds (one replica is one Node process: one core). */
  readonly serverMicrosPerStep: number;
  /** redis-server CPU per step, microseconds (one shard primary: one core), steps batched (many streams per replica). */
  readonly redisMicrosPerStep: number;
  /** The same with one step per round trip (a lone stream: no batch to share a pipeline with). */
  readonly redisMicrosPerStepUnbatched: number;
  /** Server CPU per step with one step per engine call and round trip. */
  readonly serverMicrosPerStepUnbatched: number;
  /** Redis memory per session, all in (used_memory growth per session plus its bookkeeping). */
  readonly redisBytesPerSession: number;
  /** Bytes between replicas and Redis per step (in + out). */
  readonly redisBytesPerStep: number;
  /** redis-server CPU per session created and ended (create, reserve, delete or expiry), microseconds. */
  readonly redisMicrosPerSessionLifecycle: number;
  /** The part of that on the bookkeeping slot alone (reserve + forget), microseconds. */
  readonly hotSlotMicrosPerSession: number;
}

export interface Headroom {
  /** Fraction of a core a replica or shard is planned to use (the rest absorbs bursts and a failed peer). */
  readonly cpuTarget: number;
  /** Session bytes one shard primary is planned to hold. */
  readonly shardMemoryBytes: number;
  /** Replicas of each shard primary (each holds a full copy). */
  readonly replicasPerShard: number;
  /** The fewest server replicas (two: one may fail or roll). */
  readonly minReplicas: number;
  /** Mean session lifetime, seconds: sessions created (and ended) per second = sessions / lifetime. */
  readonly sessionLifetimeSeconds: number;
}

export const DEFAULT_HEADROOM: Headroom = {
  cpuTarget: 0.5,
  shardMemoryBytes: 16 * 2 ** 30,
  replicasPerShard: 1,
  minReplicas: 2,
  sessionLifetimeSeconds: 600,
};

export interface CapacityPlan {
  readonly sessions: number;
  readonly stepsPerSessionPerSecond: number;
  readonly stepsPerSecond: number;
  readonly replicas: number;
  /** Replicas when no two steps share a batch (the upper bound). */
  readonly replicasUnbatched: number;
  /** Shards for CPU and for memory; the plan takes the larger. */
  readonly shardsForCpu: number;
  readonly shardsForCpuUnbatched: number;
  readonly shardsForMemory: number;
  readonly shards: number;
  readonly shardsUnbatched: number;
  /** Session data on the primaries, and with their replicas. */
  readonly primaryMemoryBytes: number;
  readonly totalMemoryBytes: number;
  /** Bytes per second between the replicas and Redis. */
  readonly redisBandwidth: number;
  /** Share of one core the bookkeeping slot's shard spends on it (above cpuTarget: shard it). */
  readonly hotSlotCoreUse: number;
}

export function plan(sessions: number, stepsPerSessionPerSecond: number, costs: MeasuredCosts, headroom: Headroom = DEFAULT_HEADROOM): CapacityPlan {
  const stepsPerSecond = sessions * stepsPerSessionPerSecond;
  const lifecycles = sessions / headroom.sessionLifetimeSeconds;
  const replicasFor = (microsPerStep: number) => Math.max(headroom.minReplicas, Math.ceil((stepsPerSecond * microsPerStep) / 1e6 / headroom.cpuTarget));
  const shardsForCpuAt = (microsPerStep: number) =>
    Math.ceil((stepsPerSecond * microsPerStep + lifecycles * costs.redisMicrosPerSessionLifecycle) / 1e6 / headroom.cpuTarget);
  const primaryMemoryBytes = sessions * costs.redisBytesPerSession;
  const shardsForCpu = shardsForCpuAt(costs.redisMicrosPerStep);
  const shardsForCpuUnbatched = shardsForCpuAt(costs.redisMicrosPerStepUnbatched);
  const shardsForMemory = Math.ceil(primaryMemoryBytes / headroom.shardMemoryBytes);
  return {
    sessions,
    stepsPerSessionPerSecond,
    stepsPerSecond,
    replicas: replicasFor(costs.serverMicrosPerStep),
    replicasUnbatched: replicasFor(costs.serverMicrosPerStepUnbatched),
    shardsForCpu,
    shardsForCpuUnbatched,
    shardsForMemory,
    shards: Math.max(1, shardsForCpu, shardsForMemory),
    shardsUnbatched: Math.max(1, shardsForCpuUnbatched, shardsForMemory),
    primaryMemoryBytes,
    totalMemoryBytes: primaryMemoryBytes * (1 + headroom.replicasPerShard),
    redisBandwidth: stepsPerSecond * costs.redisBytesPerStep,
    hotSlotCoreUse: (lifecycles * costs.hotSlotMicrosPerSession) / 1e6,
  };
}

/** Bytes as KiB/MiB/GiB/TiB with three significant digits. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toPrecision(3)} ${units[unit]}`;
}

// The capacity model's arithmetic (docs/capacity.md): from measured per-step and per-session
// costs to the replicas, shards and Redis memory a load needs. Pure functions, so the bench, the
// document and a unit test agree on one formula.

export interface MeasuredCosts {
  /** Server CPU per step, microseconds (one replica is one Node process: one core). */
  readonly serverMicrosPerStep: number;
  /** redis-server CPU per step, microseconds (one shard primary: one core). */
  readonly redisMicrosPerStep: number;
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
  /** Shards for CPU and for memory; the plan takes the larger. */
  readonly shardsForCpu: number;
  readonly shardsForMemory: number;
  readonly shards: number;
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
  const replicaCores = (stepsPerSecond * costs.serverMicrosPerStep) / 1e6;
  const redisCores = (stepsPerSecond * costs.redisMicrosPerStep + lifecycles * costs.redisMicrosPerSessionLifecycle) / 1e6;
  const primaryMemoryBytes = sessions * costs.redisBytesPerSession;
  const shardsForCpu = Math.ceil(redisCores / headroom.cpuTarget);
  const shardsForMemory = Math.ceil(primaryMemoryBytes / headroom.shardMemoryBytes);
  return {
    sessions,
    stepsPerSessionPerSecond,
    stepsPerSecond,
    replicas: Math.max(headroom.minReplicas, Math.ceil(replicaCores / headroom.cpuTarget)),
    shardsForCpu,
    shardsForMemory,
    shards: Math.max(1, shardsForCpu, shardsForMemory),
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

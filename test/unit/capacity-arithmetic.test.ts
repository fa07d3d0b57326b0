// The capacity model's arithmetic (bench/capacity-arithmetic.ts, the formulas of
// docs/capacity.md): replicas and shards scale with the load over the CPU target, memory with
// the sessions, the larger need decides the shard count, and the floors hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_HEADROOM, formatBytes, plan, type Headroom, type MeasuredCosts } from '../../bench/capacity-arithmetic.js';

// Round costs, so each expectation is checked by hand: 100 us of a replica core per step is 10^4
// steps/s per core, 5000 per core at a 50% target.
const costs: MeasuredCosts = {
  serverMicrosPerStep: 100,
  serverMicrosPerStepUnbatched: 400,
  redisMicrosPerStep: 10,
  redisMicrosPerStepUnbatched: 40,
  redisBytesPerSession: 1024,
  redisBytesPerStep: 600,
  redisMicrosPerSessionLifecycle: 0,
  hotSlotMicrosPerSession: 20,
};
const headroom: Headroom = { cpuTarget: 0.5, shardMemoryBytes: 2 ** 30, replicasPerShard: 1, minReplicas: 2, sessionLifetimeSeconds: 100 };

test('replicas are the steps per second times CPU per step over the CPU target, never fewer than the floor', () => {
  const p = plan(1e6, 1, costs, headroom);
  assert.equal(p.stepsPerSecond, 1e6);
  assert.equal(p.replicas, (1e6 * 100e-6) / 0.5); // 100 cores at 50%
  assert.equal(p.replicasUnbatched, (1e6 * 400e-6) / 0.5);
  assert.equal(plan(10, 1, costs, headroom).replicas, headroom.minReplicas);
  // Ten times the rate per session is ten times the replicas.
  assert.equal(plan(1e6, 10, costs, headroom).replicas, 10 * p.replicas);
});

test('shards cover the larger of CPU and memory, and replicas of a shard double its memory', () => {
  const cpuBound = plan(1e6, 1, costs, headroom);
  assert.equal(cpuBound.shardsForCpu, (1e6 * 10e-6) / 0.5); // 10 cores at 50%
  assert.equal(cpuBound.shardsForCpuUnbatched, (1e6 * 40e-6) / 0.5);
  assert.equal(cpuBound.shardsForMemory, 1); // 1e6 KiB < 1 GiB
  assert.equal(cpuBound.shards, cpuBound.shardsForCpu);
  const memoryBound = plan(1e7, 0.001, costs, headroom);
  assert.equal(memoryBound.shardsForMemory, Math.ceil((1e7 * 1024) / 2 ** 30));
  assert.equal(memoryBound.shards, memoryBound.shardsForMemory);
  assert.equal(memoryBound.totalMemoryBytes, 2 * memoryBound.primaryMemoryBytes);
  assert.equal(plan(1, 1, costs, headroom).shards, 1);
});

test('the bookkeeping slot carries every session created and ended, whatever the shard count', () => {
  const p = plan(1e6, 1, costs, headroom);
  // 1e6 sessions living 100 s: 10^4 created (and ended) per second, 20 us each: 20% of a core.
  assert.ok(Math.abs(p.hotSlotCoreUse - 0.2) < 1e-12);
  assert.equal(plan(1e6, 10, costs, headroom).hotSlotCoreUse, p.hotSlotCoreUse, 'steps never touch it');
  const withLifecycles = plan(1e6, 1, { ...costs, redisMicrosPerSessionLifecycle: 50 }, headroom);
  assert.equal(withLifecycles.shardsForCpu, Math.ceil((1e6 * 10e-6 + 1e4 * 50e-6) / 0.5));
});

test('traffic is steps times bytes per step; the defaults are the documented ones', () => {
  assert.equal(plan(1e6, 1, costs, headroom).redisBandwidth, 6e8);
  assert.deepEqual(DEFAULT_HEADROOM, { cpuTarget: 0.5, shardMemoryBytes: 16 * 2 ** 30, replicasPerShard: 1, minReplicas: 2, sessionLifetimeSeconds: 600 });
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(3 * 2 ** 40), '3.00 TiB');
});

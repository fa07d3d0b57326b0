// The load test at the largest scale this machine holds in a few minutes (docs/capacity.md "Load
// test"): SESSIONS (default 3 x 10^5) live sessions of MODEL (default co2-lstm) over two server
// processes sharing a three-shard local Redis Cluster (LOAD_STORE=cluster, the default;
// LOAD_STORE=single: one private redis-server). The sessions are created through POST
// /v1/sessions, half on each replica, then stepped with single-element REST steps at a fixed
// aggregate RATE (default 1000/s) for SECONDS (default 60), open loop, each session stepped on the
// replica that created it (as the load balancer's hash on the session id does), round robin over
// the sessions, on 64 keep-alive connections per replica. Reports the achieved steps/s,
// p50/p99/p99.9 latency (from when each step was due), Redis memory and keys per shard,
// redis-server and server CPU per step, and the servers' RSS; writes them as JSON (LOAD_JSON,
// default docs/capacity-load.json). `npm run bench:load`: about four minutes with the defaults
// on a busy two-core machine (two with SESSIONS=100000).
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { freePort, repoRoot, startServer, stopServer, SERVER_ENTRY } from './child-server.js';
import { HttpPool, openLoop, quantile, runConcurrently } from './http-pool.js';
import { nodeMemory, startLoadRedis, type LoadRedis } from './load-redis.js';
import { commandCounts, commandsBetween, cpuSeconds, loadAverage, storeRoundTrips } from './redis-probe.js';

const SESSIONS = Number(process.env.SESSIONS ?? 300_000);
const RATE = Number(process.env.RATE ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 60);
const MODEL = process.env.MODEL ?? 'co2-lstm';
const CONNECTIONS = 64;
const REPLICAS = 2;
const STORE = (process.env.LOAD_STORE ?? 'cluster') as 'cluster' | 'single';
const OUTPUT = process.env.LOAD_JSON ?? join(repoRoot, 'docs/capacity-load.json');

interface Replica {
  readonly child: ChildProcess;
  readonly url: string;
  readonly pool: HttpPool;
  ids: string[];
}

/** Resident memory of a process (VmRSS), bytes. */
function rss(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) * 1024;
}

async function shardMemory(redis: LoadRedis) {
  return Promise.all(
    redis.shards.map(async (shard) => ({ primary: shard.url, ...(await nodeMemory(shard.url)), replicas: await Promise.all(shard.replicaUrls.map(nodeMemory)) })),
  );
}

async function activeSessions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^rnn_sessions_active\{[^}]*\} (\d+)$/gm)) total += Number(match[1]);
  return total;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadAverage();
  const redis = await startLoadRedis(STORE);
  const replicas: Replica[] = [];
  const prefix = `rnn-serve-load:${randomUUID()}:`;
  try {
    const memoryEmpty = await shardMemory(redis);
    for (let i = 0; i < REPLICAS; i++) {
      const port = await freePort();
      const env = {
        ...redis.serverEnv,
        SESSION_STORE: 'redis',
        REDIS_KEY_PREFIX: prefix,
        MODELS_DIR: join(repoRoot, 'models'),
        MAX_SESSIONS: String(10 * SESSIONS),
        // Each replica keeps the records of the sessions it serves, so a step is one round trip.
        REDIS_SERVED_SESSIONS: String(SESSIONS),
        SESSION_TTL_SECONDS: '3600',
        LOG_LEVEL: 'warn',
        API_KEYS: '',
      };
      const child = await startServer(SERVER_ENTRY, env, port, '/readyz');
      const url = `http://127.0.0.1:${port}`;
      replicas.push({ child, url, pool: new HttpPool(url, CONNECTIONS), ids: [] });
    }
    const rssIdle = replicas.map((r) => rss(r.child.pid));

    // Create the sessions, half through each replica.
    const createStarted = performance.now();
    const body = JSON.stringify({ model: MODEL });
    // A 503 (the store overloaded: a command timed out) says to retry; a create whose answer was
    // lost may have stored a session nobody steps, which expires by itself. Counted, not hidden.
    let createRetries = 0;
    await Promise.all(
      replicas.map(async (replica) => {
        replica.ids = await runConcurrently(SESSIONS / REPLICAS, CONNECTIONS, async () => {
          for (let attempt = 1; ; attempt++) {
            const answer = await replica.pool.send('POST', '/v1/sessions', body);
            if (answer.status === 201) return (JSON.parse(answer.body) as { session_id: string }).session_id;
            if (answer.status !== 503 || attempt === 5) throw new Error(`create: ${answer.status} ${answer.body}`);
            createRetries++;
            await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          }
        });
      }),
    );
    const createSeconds = (performance.now() - createStarted) / 1000;
    const active = await activeSessions(replicas[0]!.url);
    const memoryLoaded = await shardMemory(redis);
    const rssLoaded = replicas.map((r) => rss(r.child.pid));
    console.error(`created ${SESSIONS} sessions in ${createSeconds.toFixed(1)} s; stepping at ${RATE}/s for ${SECONDS} s`);

    // Step them at a fixed aggregate rate.
    const serverCpuBefore = replicas.map((r) => cpuSeconds(r.child.pid));
    const redisCpuBefore = redis.shards.map((s) => cpuSeconds(s.pid));
    const tripsBefore = await Promise.all(replicas.map((r) => storeRoundTrips(r.url)));
    const commandsBefore = await Promise.all(redis.shards.map((s) => commandCounts(s.url)));
    const result = await openLoop(RATE, SECONDS, async (k) => {
      const replica = replicas[k % REPLICAS]!;
      const id = replica.ids[Math.floor(k / REPLICAS) % replica.ids.length]!;
      const answer = await replica.pool.send('POST', `/v1/sessions/${id}/steps`, JSON.stringify({ inputs: [[330 + (k % 20)]] }));
      return answer.status === 200 ? undefined : `${answer.status} ${answer.body.slice(0, 200)}`;
    });
    const serverCpu = replicas.map((r, i) => (cpuSeconds(r.child.pid) ?? Number.NaN) - (serverCpuBefore[i] ?? Number.NaN));
    const redisCpu = redis.shards.map((s, i) => (cpuSeconds(s.pid) ?? Number.NaN) - (redisCpuBefore[i] ?? Number.NaN));
    const tripsAfter = await Promise.all(replicas.map((r) => storeRoundTrips(r.url)));
    const commandsAfter = await Promise.all(redis.shards.map((s) => commandCounts(s.url)));
    let commands = 0;
    redis.shards.forEach((_, i) => {
      for (const calls of commandsBetween(commandsBefore[i]!, commandsAfter[i]!).values()) commands += calls;
    });
    // Socket writes to Redis per step (a pipeline is one): how much the steps' writes were batched.
    const roundTripsPerStep = (tripsAfter.reduce((a, b) => a + b, 0) - tripsBefore.reduce((a, b) => a + b, 0)) / result.ok;
    const memoryStepped = await shardMemory(redis);
    const rssStepped = replicas.map((r) => rss(r.child.pid));
    const activeAfter = await activeSessions(replicas[0]!.url);

    const stepsPerSecond = result.ok / result.seconds;
    const report = {
      command: 'npm run bench:load',
      measuredAt: new Date().toISOString(),
      machine: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}`,
      loadAverage: `${loadBefore} before, ${loadAverage()} after`,
      store: redis.description,
      model: MODEL,
      sessions: SESSIONS,
      replicas: REPLICAS,
      createSeconds,
      createsPerSecond: SESSIONS / createSeconds,
      createRetries,
      activeSessionsReported: { afterCreate: active, afterSteps: activeAfter },
      targetRate: RATE,
      seconds: result.seconds,
      steps: { sent: result.sent, ok: result.ok, failed: result.failed, failures: result.failures },
      stepsPerSecond,
      latencyMs: { p50: quantile(result.latencies, 0.5), p99: quantile(result.latencies, 0.99), p999: quantile(result.latencies, 0.999), max: quantile(result.latencies, 1) },
      redisRoundTripsPerStep: roundTripsPerStep,
      redisCommandsPerStep: commands / result.ok,
      serverCpuMicrosPerStep: serverCpu.map((cpu) => (cpu / (result.ok / REPLICAS)) * 1e6),
      /** Every primary's CPU over all steps: what the cluster spends per step. */
      redisCpuMicrosPerStep: (redisCpu.reduce((a, b) => a + b, 0) / result.ok) * 1e6,
      redisCpuMicrosPerStepPerShard: redisCpu.map((cpu) => (cpu / result.ok) * 1e6),
      redisMemory: { empty: memoryEmpty, loaded: memoryLoaded, stepped: memoryStepped },
      redisBytesPerSession: (memoryLoaded.reduce((sum, s) => sum + s.usedMemory, 0) - memoryEmpty.reduce((sum, s) => sum + s.usedMemory, 0)) / SESSIONS,
      serverRss: { idle: rssIdle, loaded: rssLoaded, stepped: rssStepped },
      serverRssBytesPerServedSession: rssLoaded.map((bytes, i) => (bytes - rssIdle[i]!) / (SESSIONS / REPLICAS)),
      runtimeSeconds: 0,
    };
    report.runtimeSeconds = (performance.now() - started) / 1000;
    writeFileSync(OUTPUT, `${JSON.stringify(report, null, 2)}\n`);

    console.log(`\nLoad test: ${SESSIONS} ${MODEL} sessions over ${REPLICAS} server processes and ${redis.description}`);
    console.log(`(${report.machine}; ${report.loadAverage}; runtime ${report.runtimeSeconds.toFixed(0)} s)\n`);
    console.log(`created in ${createSeconds.toFixed(1)} s (${Math.round(report.createsPerSecond)}/s, ${createRetries} retried after a 503); rnn_sessions_active ${active} after, ${activeAfter} after stepping`);
    console.log(
      `steps: ${RATE}/s asked for ${SECONDS} s, ${Math.round(stepsPerSecond)}/s answered 200 (${result.failed} failed${result.failures.length > 0 ? `: ${result.failures.join(' | ')}` : ''}); ` +
        `latency p50 ${report.latencyMs.p50.toFixed(2)} ms, p99 ${report.latencyMs.p99.toFixed(2)} ms, p99.9 ${report.latencyMs.p999.toFixed(2)} ms`,
    );
    console.log(`server CPU per step: ${report.serverCpuMicrosPerStep.map((us) => `${us.toFixed(0)} us`).join(', ')}; RSS idle ${rssIdle.map(mib).join(', ')}, with the sessions ${rssLoaded.map(mib).join(', ')}, after stepping ${rssStepped.map(mib).join(', ')}`);
    console.log('\n| shard (primary) | keys | used_memory empty | with the sessions | after stepping | its replicas, after | redis CPU us per step (of all steps) |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    memoryStepped.forEach((shard, i) => {
      console.log(
        `| ${shard.primary} | ${shard.keys} | ${mib(memoryEmpty[i]!.usedMemory)} | ${mib(memoryLoaded[i]!.usedMemory)} | ${mib(shard.usedMemory)} | ${shard.replicas.map((r) => mib(r.usedMemory)).join(', ') || '-'} | ${report.redisCpuMicrosPerStepPerShard[i]!.toFixed(1)} |`,
      );
    });
    console.log(`\nredis CPU per step, all primaries: ${report.redisCpuMicrosPerStep.toFixed(1)} us; ${commands / result.ok > 0 ? (commands / result.ok).toFixed(2) : '-'} commands and ${roundTripsPerStep.toFixed(3)} round trips per step`);
    console.log(`Redis bytes per session (used_memory growth over all primaries / sessions): ${report.redisBytesPerSession.toFixed(0)}`);
    console.log(`(written to ${OUTPUT})`);
  } finally {
    for (const replica of replicas) {
      replica.pool.close();
      await stopServer(replica.child);
    }
    await redis.stop();
  }
}

await main();

// HTTP throughput and latency of the REST routes, with autocannon, next to a bare Fastify route
// driven the same way in the same run, on the bundled co2-lstm model (LSTM 32, input and output 1):
// single-element session steps (one session per connection) at 1, 64 and 256 connections on the
// memory store and on the Redis store; then, at 64 connections, POST predict with a one-element and
// a 50-element sequence, the same over /v2 (JSON and binary tensors) and single-element steps of
// /v2 sequences. Each row is printed as a ratio against the bare Fastify POST of the same body at the
// same connection count, measured just before it (the machine is shared: compare ratios, not
// absolute numbers), with the server's CPU per request (from /proc) and, on Redis rows, the
// commands Redis ran per request (INFO commandstats). Redis: see bench/redis-probe.ts.
// Then POST predict of an LSTM(32,128)+Linear on a T=50 sequence next to a plain Fastify +
// onnxruntime-node server on an ONNX export of the same weights (bench/ort-fastify-server.ts;
// when bench/peers is installed, see bench/engine.ts; without it that row is left out, saying
// why), with the ratio of requests per second.
// The session-step rows run STEP_ROUNDS times (default 3), and a summary gives the median of their
// ratios with the range. Run with `npm run bench:http` (ROW_SECONDS=3, CONNECTIONS=1,64,256 by default).
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelPackage } from '../src/model/package-loader.js';
import { writeRandomPackage } from '../test/helpers/model-files.js';
import { freePort, repoRoot, startServer, stopServer, SERVER_ENTRY } from './child-server.js';
import { exportOnnxModels, loadOrt } from './peers/onnx-models.js';
import { medianAndRange } from './rounds.js';
import { benchRedis, commandCounts, commandsBetween, cpuSeconds, deleteKeys, loadAverage, storeRoundTrips, type BenchRedis } from './redis-probe.js';

const ROW_SECONDS = Number(process.env.ROW_SECONDS ?? 3);
const CONNECTIONS = (process.env.CONNECTIONS ?? '1,64,256').split(',').map(Number);
/** Rounds of the session-step rows (the REST target); the summary gives their medians. */
const STEP_ROUNDS = Number(process.env.STEP_ROUNDS ?? 3);
const MODEL = 'co2-lstm';

interface Row {
  readonly name: string;
  readonly connections: number;
  /** The bare row this one is compared with (same body, same connections). */
  readonly baseline: string | undefined;
  readonly result: autocannon.Result;
  readonly cpuMicros: number | undefined;
  readonly redisCommandsPerRequest: number | undefined;
  readonly redisRoundTripsPerRequest: number | undefined;
}

function sequence(length: number): number[][] {
  return Array.from({ length }, (_, t) => [330 + Math.sin(t / 5)]);
}

async function run(
  name: string,
  baseline: string | undefined,
  options: autocannon.Options,
  server: ChildProcess,
  redis?: BenchRedis & { readonly serverUrl: string },
): Promise<Row> {
  // A short warm-up so V8 has compiled the hot paths before the measured run.
  await autocannon({ ...options, duration: 1 });
  const cpuBefore = cpuSeconds(server.pid);
  const commandsBefore = redis === undefined ? undefined : await commandCounts(redis.url);
  const tripsBefore = redis === undefined ? undefined : await storeRoundTrips(redis.serverUrl);
  const result = await autocannon({ ...options, duration: ROW_SECONDS });
  const tripsAfter = redis === undefined ? undefined : await storeRoundTrips(redis.serverUrl);
  const commandsAfter = redis === undefined ? undefined : await commandCounts(redis.url);
  const cpuAfter = cpuSeconds(server.pid);
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  const requests = result.requests.total;
  let commands: number | undefined;
  if (commandsBefore !== undefined) {
    commands = 0;
    for (const calls of commandsBetween(commandsBefore, commandsAfter!).values()) commands += calls;
  }
  return {
    name,
    connections: options.connections ?? 1,
    baseline,
    result,
    cpuMicros: cpuBefore === undefined || cpuAfter === undefined ? undefined : ((cpuAfter - cpuBefore) / requests) * 1e6,
    redisCommandsPerRequest: commands === undefined ? undefined : commands / requests,
    redisRoundTripsPerRequest: tripsBefore === undefined ? undefined : (tripsAfter! - tripsBefore) / requests,
  };
}

function post(url: string, body: unknown, connections: number): autocannon.Options {
  return {
    url,
    method: 'POST',
    connections,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** Triton's binary tensor extension: the JSON header, then T float32 values; all outputs binary. */
function binaryInfer(url: string, T: number, connections: number): autocannon.Options {
  const header = Buffer.from(
    JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, T, 1], parameters: { binary_data_size: 4 * T } }], parameters: { binary_data_output: true } }),
  );
  const values = Buffer.from(new Float32Array(sequence(T).flat()).buffer);
  return {
    url,
    method: 'POST',
    connections,
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    body: Buffer.concat([header, values]),
  };
}

async function createSessions(base: string, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const response = await fetch(`${base}/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL }),
      });
      return ((await response.json()) as { session_id: string }).session_id;
    }),
  );
}

/** Single-element steps, each request to the next session in turn: concurrent steps of different sessions. */
async function sessionSteps(name: string, base: string, connections: number, server: ChildProcess, redis?: BenchRedis): Promise<Row> {
  const probe = redis === undefined ? undefined : { ...redis, serverUrl: base };
  const sessions = await createSessions(base, connections);
  let next = 0;
  return run(name, 'bare Fastify POST (T=1 body)', {
    ...post(`${base}/v1/sessions/${sessions[0]}/steps`, { inputs: sequence(1) }, connections),
    requests: [{ setupRequest: (request) => ({ ...request, path: `/v1/sessions/${sessions[next++ % sessions.length]}/steps` }) }],
  }, server, probe);
}

// The served models: the bundled co2-lstm and a random LSTM(32,128)+Linear, exported to ONNX too.
const PEER_MODEL = 'lstm-32-128';
const PEER_I = 32;
const PEER_H = 128;
const modelsDir = mkdtempSync(join(tmpdir(), 'rnn-bench-http-'));
cpSync(join(repoRoot, 'models', MODEL), join(modelsDir, MODEL), { recursive: true });
const peerDir = writeRandomPackage(modelsDir, PEER_MODEL,
  { architecture: 'lstm', input_size: PEER_I, hidden_size: PEER_H, output_size: 8 }, 11, 1 / Math.sqrt(PEER_H));
const peerPackage = await loadModelPackage(peerDir);
// The onnxruntime-node peer is optional: without it (bench/peers not installed, or no torch to
// export with) every other row is still measured, and the table says why that one is missing.
let onnxDir: string | undefined;
let peerMissing = '';
try {
  loadOrt();
  onnxDir = exportOnnxModels([{ name: 'lstm_32_128_head', spec: peerPackage.spec, weights: peerPackage.weights }]);
} catch (error) {
  peerMissing = (error as Error).message;
}

function peerSequence(length: number): number[][] {
  return Array.from({ length }, (_, t) => Array.from({ length: PEER_I }, (_, j) => Math.sin(t / 5 + j)));
}

const loadBefore = loadAverage();
const redis = await benchRedis();
const prefix = `rnn-serve-bench:${randomUUID()}:`;
const servers: ChildProcess[] = [];
const rows: Row[] = [];
/** The session-step rows of each round, with the bare row measured just before them. */
const stepRounds: { connections: number; bare: Row; memory: Row; redis: Row | undefined }[] = [];
let peerRatio = '';
try {
  const barePort = await freePort();
  const bare = await startServer('bench/bare-fastify-server.ts', {}, barePort, '/healthz');
  servers.push(bare);
  const port = await freePort();
  const memory = await startServer(SERVER_ENTRY, { MODELS_DIR: modelsDir, LOG_LEVEL: 'warn', SESSION_STORE: 'memory', API_KEYS: '' }, port, '/readyz');
  servers.push(memory);
  const base = `http://127.0.0.1:${port}`;
  let redisBase: string | undefined;
  let redisServer: ChildProcess | undefined;
  if (redis !== undefined) {
    const redisPort = await freePort();
    redisServer = await startServer(
      SERVER_ENTRY,
      { MODELS_DIR: modelsDir, LOG_LEVEL: 'warn', SESSION_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, API_KEYS: '' },
      redisPort,
      '/readyz',
    );
    servers.push(redisServer);
    redisBase = `http://127.0.0.1:${redisPort}`;
  }
  const bareUrl = `http://127.0.0.1:${barePort}/echo`;
  const ortPort = await freePort();
  const ortServer = onnxDir === undefined ? undefined : await startServer('bench/ort-fastify-server.ts',
    { ONNX_MODEL: join(onnxDir, 'lstm_32_128_head.onnx'), INPUT_SIZE: String(PEER_I), HIDDEN_SIZE: String(PEER_H) }, ortPort, '/healthz');
  if (ortServer !== undefined) servers.push(ortServer);
  for (let round = 0; round < STEP_ROUNDS; round++) {
    for (const connections of CONNECTIONS) {
      const bareRow = await run('bare Fastify POST (T=1 body)', undefined, post(bareUrl, { inputs: sequence(1) }, connections), bare);
      const memoryRow = await sessionSteps('POST session step, 1 element, memory', base, connections, memory);
      const redisRow = redisBase === undefined ? undefined : await sessionSteps('POST session step, 1 element, redis', redisBase, connections, redisServer!, redis);
      rows.push(bareRow, memoryRow, ...(redisRow === undefined ? [] : [redisRow]));
      stepRounds.push({ connections, bare: bareRow, memory: memoryRow, redis: redisRow });
    }
  }
  const connections = CONNECTIONS.includes(64) ? 64 : CONNECTIONS[0]!;
  rows.push(await run('bare Fastify POST (T=1 body)', undefined, post(bareUrl, { inputs: sequence(1) }, connections), bare));
  rows.push(await run('POST predict, T=1', 'bare Fastify POST (T=1 body)', post(`${base}/v1/models/${MODEL}/predict`, { inputs: sequence(1) }, connections), memory));
  if (ortServer === undefined) {
    peerRatio = `no Fastify + onnxruntime-node row: ${peerMissing}`;
  } else {
    const ours = await run(`POST predict ${PEER_MODEL}+Linear, T=50 (rnn-serve)`, undefined, post(`${base}/v1/models/${PEER_MODEL}/predict`, { inputs: peerSequence(50) }, connections), memory);
    const peer = await run('POST predict same weights, T=50 (Fastify + onnxruntime-node)', undefined, post(`http://127.0.0.1:${ortPort}/predict`, { inputs: peerSequence(50) }, connections), ortServer);
    rows.push(ours, peer);
    peerRatio = `rnn-serve / (Fastify + onnxruntime-node) on LSTM(32,128)+Linear T=50, ${connections} connections: ` +
      `${(ours.result.requests.average / peer.result.requests.average).toFixed(2)}x the requests per second (target >= 1.2)`;
  }
  rows.push(await run('bare Fastify POST (T=50 body)', undefined, post(bareUrl, { inputs: sequence(50) }, connections), bare));
  rows.push(await run('POST predict, T=50', 'bare Fastify POST (T=50 body)', post(`${base}/v1/models/${MODEL}/predict`, { inputs: sequence(50) }, connections), memory));
  // The Open Inference Protocol on the same dataplane: JSON tensors, and binary tensors in and out.
  const v2 = (T: number) => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, T, 1], data: sequence(T).flat() }] });
  const infer = `${base}/v2/models/${MODEL}/infer`;
  rows.push(await run('bare Fastify POST (T=1 body)', undefined, post(bareUrl, { inputs: sequence(1) }, connections), bare));
  rows.push(await run('POST /v2 infer JSON, T=1', 'bare Fastify POST (T=1 body)', post(infer, v2(1), connections), memory));
  rows.push(await run('bare Fastify POST (T=50 body)', undefined, post(bareUrl, { inputs: sequence(50) }, connections), bare));
  rows.push(await run('POST /v2 infer JSON, T=50', 'bare Fastify POST (T=50 body)', post(infer, v2(50), connections), memory));
  rows.push(await run('POST /v2 infer binary, T=50', 'bare Fastify POST (T=50 body)', binaryInfer(infer, 50, connections), memory));
  await Promise.all(
    Array.from({ length: connections }, (_, k) =>
      fetch(infer, { method: 'POST', body: JSON.stringify({ ...v2(1), parameters: { sequence_id: k + 1, sequence_start: true } }) }),
    ),
  );
  // One body per sequence, made once: the load generator only picks the next (as for sessions).
  const stepBodies = Array.from({ length: connections }, (_, k) => JSON.stringify({ ...v2(1), parameters: { sequence_id: k + 1 } }));
  let sequenceId = 0;
  rows.push(await run('bare Fastify POST (T=1 body)', undefined, post(bareUrl, { inputs: sequence(1) }, connections), bare));
  rows.push(
    await run('POST /v2 sequence step, 1 element', 'bare Fastify POST (T=1 body)', {
      ...post(infer, v2(1), connections),
      requests: [{ setupRequest: (request) => ({ ...request, body: stepBodies[sequenceId++ % connections]! }) }],
    }, memory),
  );
} finally {
  for (const server of servers.reverse()) await stopServer(server);
  rmSync(modelsDir, { recursive: true, force: true });
  if (redis !== undefined) {
    await deleteKeys(redis.url, prefix);
    await redis.stop();
  }
}

console.log(`\n${ROW_SECONDS} s per row, ${process.version}; ${loadBefore} before, ${loadAverage()} after; Redis: ${redis?.description ?? 'none'}\n`);
console.log('| route | connections | req/s | x bare | mean ms | p50 ms | p99 ms | server CPU us/req | redis round trips/req | redis cmds/req |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [i, row] of rows.entries()) {
  // The bare row measured last before this one, with the same body and connections.
  const bare = rows.slice(0, i).reverse().find((other) => other.name === row.baseline && other.connections === row.connections);
  const versus = bare === undefined ? (row.baseline === undefined ? '1' : '-') : `${(row.result.requests.average / bare.result.requests.average).toFixed(2)}x`;
  console.log(
    `| ${row.name} | ${row.connections} | ${Math.round(row.result.requests.average)} | ${versus} | ${row.result.latency.average.toFixed(3)} | ${row.result.latency.p50} | ${row.result.latency.p99} | ` +
      `${row.cpuMicros === undefined ? '-' : row.cpuMicros.toFixed(1)} | ` +
      `${row.redisRoundTripsPerRequest === undefined ? '' : row.redisRoundTripsPerRequest.toFixed(2)} | ${row.redisCommandsPerRequest === undefined ? '' : row.redisCommandsPerRequest.toFixed(2)} |`,
  );
}

// The REST target's rows over their rounds: each ratio against the bare row measured just before
// it, then the median and the range of the rounds (one round's ratio moves by a tenth or more here).
console.log(`\nPOST session step, 1 element, against the bare Fastify POST just before it: median of ${STEP_ROUNDS} round${STEP_ROUNDS === 1 ? '' : 's'} (range)\n`);
console.log('| connections | memory x bare | redis x bare | server CPU us/req, memory | bare |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const connections of CONNECTIONS) {
  const mine = stepRounds.filter((round) => round.connections === connections);
  const over = (row: Row | undefined, bareRow: Row) => (row === undefined ? [] : [row.result.requests.average / bareRow.result.requests.average]);
  const cpu = (row: Row | undefined) => (row?.cpuMicros === undefined ? [] : [row.cpuMicros]);
  console.log(
    `| ${connections} | ${medianAndRange(mine.flatMap((round) => over(round.memory, round.bare)), 2, 'x')} | ${medianAndRange(mine.flatMap((round) => over(round.redis, round.bare)), 2, 'x')} | ` +
      `${medianAndRange(mine.flatMap((round) => cpu(round.memory)), 1)} | ${medianAndRange(mine.flatMap((round) => cpu(round.bare)), 1)} |`,
  );
}
console.log(`\n${peerRatio}`);

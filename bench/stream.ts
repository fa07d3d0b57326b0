// WebSocket stream throughput and latency: N sockets (1, 64, 256), each streaming single steps in
// a closed loop (the next element goes out when the reply to the last one comes back), against
// the real server (npm start's code, in a child process) serving an LSTM(32, 128) with random
// weights, and against a bare `ws` echo server driven the same way with the same frames. The
// client runs here, the server in its own process: on two cores, one each.
//
// Then the same stream rows at 1 and 64 sockets against a second server with SESSION_STORE=redis
// (REDIS_URL, default redis://127.0.0.1:6379; a key prefix of its own, deleted afterwards), next
// to the in-memory store measured in the same run: what sharing sessions between replicas costs.
// Those rows also give redis-server's own CPU time per step when it runs on this machine (it then
// shares the two cores too). Skipped, with a note, when Redis does not answer.
// Run with `npm run bench:stream` (ROW_SECONDS=3 by default; SERVER_NODE_ARGS='--cpu-prof' profiles
// the server processes).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { randomFloats, seededRandom } from '../src/engine/random-weights.js';
import { writeRandomPackage } from '../test/helpers/model-files.js';

const SOCKETS = [1, 64, 256];
/** Rows run against both session stores. */
const STORE_SOCKETS = [1, 64];
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROW_SECONDS = Number(process.env.ROW_SECONDS ?? 3);
const WARMUP_SECONDS = 0.5;
const MODEL = 'bench-lstm';
const INPUT_SIZE = 32;
const HIDDEN_SIZE = 128;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A package folder with config.json and model.safetensors: LSTM(32, 128), no head, random weights. */
function writeModelPackage(root: string): void {
  // PyTorch's initialisation range for H = 128, so the dynamics are those of a fresh LSTM.
  const scale = 1 / Math.sqrt(HIDDEN_SIZE);
  writeRandomPackage(root, MODEL, { architecture: 'lstm', input_size: INPUT_SIZE, hidden_size: HIDDEN_SIZE }, 1, scale);
}

/** Starts a child process and resolves with the first match of `ready` in its stdout. */
function startChild(args: string[], env: NodeJS.ProcessEnv, ready: RegExp, nodeArgs: string[] = []): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      const match = ready.exec(output);
      if (match !== null) {
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ child, match });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before it was ready:\n${output}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

interface Row {
  readonly target: string;
  readonly sockets: number;
  readonly stepsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU time per reply (user + system), when /proc tells it: steadier than steps/s on a busy machine. */
  readonly serverCpuMicros: number | undefined;
  /** The same for redis-server, on the redis rows when it runs on this machine. */
  readonly redisCpuMicros: number | undefined;
}

/** CPU seconds a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return undefined;
  // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime
  // are the 12th and 13th, in clock ticks of 1/100 s on Linux.
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Opens `sockets` connections to `url`, skips what `handshake` says is the greeting, then each
 * sends frames[k % frames.length] and the next one only when a reply arrives. Counts replies in
 * the measured window (after a warm-up) and records each one's round trip.
 */
async function drive(
  target: string,
  url: string,
  sockets: number,
  frames: readonly (string | Buffer)[],
  greeting: boolean,
  serverPid: number | undefined,
  redisPid?: number,
): Promise<Row> {
  const latencies: number[] = [];
  let measuring = false;
  let stopped = false;
  let replies = 0;
  const clients = await Promise.all(
    Array.from({ length: sockets }, () => new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      socket.once('error', reject);
      if (greeting) socket.once('message', () => resolve(socket));
      else socket.once('open', () => resolve(socket));
    })),
  );
  const loops = clients.map((socket, i) => new Promise<void>((resolve) => {
    let k = i;
    let sentAt = 0;
    const sendNext = () => {
      if (stopped) return resolve();
      sentAt = performance.now();
      socket.send(frames[k++ % frames.length]!);
    };
    socket.on('message', () => {
      if (measuring) {
        latencies.push(performance.now() - sentAt);
        replies++;
      }
      sendNext();
    });
    sendNext();
  }));
  await sleep(WARMUP_SECONDS * 1000);
  measuring = true;
  const started = performance.now();
  const cpuBefore = cpuSeconds(serverPid);
  const redisCpuBefore = cpuSeconds(redisPid);
  await sleep(ROW_SECONDS * 1000);
  measuring = false;
  const cpuAfter = cpuSeconds(serverPid);
  const redisCpuAfter = cpuSeconds(redisPid);
  const seconds = (performance.now() - started) / 1000;
  stopped = true;
  await Promise.all(loops);
  await Promise.all(clients.map((socket) => new Promise((resolve) => {
    socket.once('close', resolve);
    socket.close();
  })));
  latencies.sort((a, b) => a - b);
  const quantile = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const perReply = (before: number | undefined, after: number | undefined) =>
    before === undefined || after === undefined ? undefined : ((after - before) / replies) * 1e6;
  return {
    target,
    sockets,
    stepsPerSecond: replies / seconds,
    p50: quantile(0.5),
    p99: quantile(0.99),
    serverCpuMicros: perReply(cpuBefore, cpuAfter),
    redisCpuMicros: perReply(redisCpuBefore, redisCpuAfter),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Whether Redis answers at REDIS_URL (the redis rows need it) and, when it runs on this machine,
 * its process id (for its CPU time): { answers: false } when it does not answer.
 */
async function probeRedis(): Promise<{ answers: boolean; pid?: number }> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  try {
    await client.connect();
    const info = await client.info('server');
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(REDIS_URL).hostname);
    const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
    return local && Number.isInteger(pid) ? { answers: true, pid } : { answers: true };
  } catch {
    return { answers: false };
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix` (the bench server's sessions and its bookkeeping keys). */
async function deleteKeys(prefix: string): Promise<number> {
  const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let deleted = 0;
    for await (const keys of client.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await client.del(...keys);
    }
    return deleted;
  } finally {
    await client.quit();
  }
}

function startServer(modelsDir: string, env: NodeJS.ProcessEnv) {
  return startChild(
    ['src/server.ts'],
    { MODELS_DIR: modelsDir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', API_KEYS: '', ...env },
    /Server listening at http:\/\/127\.0\.0\.1:(\d+)/,
    (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== ''),
  );
}

function printTable(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}\n`);
  const micros = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(0));
  const withRedis = rows.some((row) => row.redisCpuMicros !== undefined);
  console.log(`| target | sockets | steps/s | p50 ms | p99 ms | server CPU us/step |${withRedis ? ' redis CPU us/step |' : ''}`);
  console.log(`| --- | ---: | ---: | ---: | ---: | ---: |${withRedis ? ' ---: |' : ''}`);
  for (const row of rows) {
    const redis = withRedis ? ` ${micros(row.redisCpuMicros)} |` : '';
    console.log(
      `| ${row.target} | ${row.sockets} | ${Math.round(row.stepsPerSecond)} | ${row.p50.toFixed(3)} | ${row.p99.toFixed(3)} | ${micros(row.serverCpuMicros)} |${redis}`,
    );
  }
}

async function main(): Promise<void> {
  const modelsDir = mkdtempSync(join(tmpdir(), 'rnn-serve-bench-'));
  writeModelPackage(modelsDir);
  const random = seededRandom(2);
  const vectors = Array.from({ length: 64 }, () => randomFloats(INPUT_SIZE, 1, random));
  const jsonFrames = vectors.map((x) => JSON.stringify({ x: Array.from(x) }));
  const binaryFrames = vectors.map((x) => Buffer.from(x.buffer));
  const streamRows = async (url: string, sockets: number, pid: number | undefined, store: string, redisPid?: number): Promise<Row[]> => [
    await drive(`stream, JSON {"x"}, ${store} store`, url, sockets, jsonFrames, true, pid, redisPid),
    await drive(`stream, binary float32, ${store} store`, url, sockets, binaryFrames, true, pid, redisPid),
  ];

  const rows: Row[] = [];
  const storeRows: Row[] = [];
  let redisNote = '';
  try {
    const server = await startServer(modelsDir, { SESSION_STORE: 'memory' });
    const echo = await startChild(['bench/stream-echo-server.ts'], {}, /listening (\d+)/);
    try {
      const streamUrl = `ws://127.0.0.1:${server.match[1]}/v1/models/${MODEL}/stream`;
      const echoUrl = `ws://127.0.0.1:${echo.match[1]}`;
      for (const sockets of SOCKETS) {
        rows.push(await drive('ws echo (JSON frame)', echoUrl, sockets, jsonFrames, false, echo.child.pid));
        const measured = await streamRows(streamUrl, sockets, server.child.pid, 'memory');
        rows.push(...measured);
        if (STORE_SOCKETS.includes(sockets)) storeRows.push(...measured);
      }
    } finally {
      await stopChild(echo.child);
      await stopChild(server.child);
    }

    const redis = await probeRedis();
    if (redis.answers) {
      const prefix = `rnn-serve-bench:${randomUUID()}:`;
      try {
        const redisServer = await startServer(modelsDir, { SESSION_STORE: 'redis', REDIS_URL, REDIS_KEY_PREFIX: prefix });
        try {
          const streamUrl = `ws://127.0.0.1:${redisServer.match[1]}/v1/models/${MODEL}/stream`;
          for (const sockets of STORE_SOCKETS) storeRows.push(...(await streamRows(streamUrl, sockets, redisServer.child.pid, 'redis', redis.pid)));
        } finally {
          await stopChild(redisServer.child);
        }
      } finally {
        await deleteKeys(prefix);
      }
    } else {
      redisNote = `(no Redis answered at ${REDIS_URL}: the redis rows were skipped)`;
    }
  } finally {
    rmSync(modelsDir, { recursive: true, force: true });
  }

  const setup = `LSTM(${INPUT_SIZE}, ${HIDDEN_SIZE}), one element per frame, closed loop, ${ROW_SECONDS} s per row`;
  console.log(`\n(client here, server in a child process; node ${process.version})`);
  printTable(`WebSocket streams: ${setup}`, rows);
  storeRows.sort((a, b) => a.sockets - b.sockets);
  printTable(`Session store, memory vs redis (${REDIS_URL}): ${setup}${redisNote === '' ? '' : `\n${redisNote}`}`, storeRows);
}

await main();

// WebSocket stream throughput and latency: N sockets (1, 64, 256), each streaming single steps in
// a closed loop (the next element goes out when the reply to the last one comes back), against
// the real server (npm start's code, dist/src/server.js, in a child process) serving an LSTM(32, 128) with random
// weights, and against a bare `ws` echo server driven the same way with the same frames. The
// client runs here, the servers in their own processes. A second peer answers every frame with
// the server's own reply bytes (sampled from it first): on loopback a bigger reply costs its
// sender more, so that peer is the floor for replies of that size, and `x reply peer` is the
// server's throughput against it.
//
// Every socket count runs its rows back to back (echo, memory store, Redis store), so the ratios
// compare rows measured within seconds of each other: the machine is shared and absolute numbers
// drift. Each row also gives the server's CPU time per step (from /proc), and the Redis rows the
// commands Redis ran per step (INFO commandstats before and after the row; at 1 socket every
// command is a round trip) and redis-server's own CPU per step. Redis: a private redis-server on
// a free port when one is installed, else REDIS_URL (default redis://127.0.0.1:6379; a key prefix
// of its own, deleted afterwards); skipped, with a note, when none answers.
// Every row is measured ROUNDS times (default 3), each round going through all rows, and the table
// gives each cell's median over the rounds, with the range of the ratios: on a shared machine one
// round's ratio can be off by a tenth. Run with `npm run bench:stream` (ROW_SECONDS=3 by default;
// SOCKETS=1,64 to choose the counts; SERVER_NODE_ARGS='--cpu-prof' profiles the server processes).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { randomFloats, seededRandom } from '../src/engine/random-weights.js';
import { writeRandomPackage } from '../test/helpers/model-files.js';
import { nodeArgsFor, SERVER_ENTRY } from './child-server.js';
import { median, medianAndRange } from './rounds.js';
import { benchRedis, commandCounts, commandsBetween, cpuSeconds, deleteKeys, loadAverage, redisPingMillis, storeRoundTrips } from './redis-probe.js';

const SOCKETS = (process.env.SOCKETS ?? '1,64,256').split(',').map(Number);
const ROW_SECONDS = Number(process.env.ROW_SECONDS ?? 3);
/** Every row is measured this many times, the rounds one after another; the table gives medians. */
const ROUNDS = Number(process.env.ROUNDS ?? 3);
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
  const child = spawn(process.execPath, [...nodeArgs, ...nodeArgsFor(args[0]!), ...args.slice(1)], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
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
  /** Redis commands per reply (INFO commandstats), on the redis rows, and which commands. */
  readonly redisCommands: { readonly perStep: number; readonly detail: string } | undefined;
  /** Round trips to Redis per reply (the server's rnn_session_store_round_trips_total). */
  readonly redisRoundTrips: number | undefined;
}

interface RedisProbe {
  readonly url: string;
  readonly pid: number | undefined;
  /** The server's base URL, for its round-trip counter. */
  readonly serverUrl: string;
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
  redis?: RedisProbe,
): Promise<Row> {
  const latencies: number[] = [];
  let measuring = false;
  let stopped = false;
  let replies = 0;
  const clients = await Promise.all(
    Array.from({ length: sockets }, () => new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      socket.once('error', reject);
      // A refused upgrade: reject with the server's own answer, which says why.
      socket.once('unexpected-response', (_request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => reject(new Error(`${target}: upgrade refused with ${response.statusCode}: ${body}`)));
      });
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
  const redisCpuBefore = cpuSeconds(redis?.pid);
  const commandsBefore = redis === undefined ? undefined : await commandCounts(redis.url);
  const tripsBefore = redis === undefined ? undefined : await storeRoundTrips(redis.serverUrl);
  const repliesBefore = replies;
  await sleep(ROW_SECONDS * 1000);
  const commandsAfter = redis === undefined ? undefined : await commandCounts(redis.url);
  const tripsAfter = redis === undefined ? undefined : await storeRoundTrips(redis.serverUrl);
  const repliesCounted = replies - repliesBefore;
  measuring = false;
  const cpuAfter = cpuSeconds(serverPid);
  const redisCpuAfter = cpuSeconds(redis?.pid);
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
    redisCommands: commandsBefore === undefined ? undefined : perStep(commandsBetween(commandsBefore, commandsAfter!), repliesCounted),
    redisRoundTrips: tripsBefore === undefined ? undefined : (tripsAfter! - tripsBefore) / repliesCounted,
  };
}

/** Commands per step, in total and per command name. */
function perStep(commands: Map<string, number>, steps: number): { perStep: number; detail: string } {
  let total = 0;
  const parts: string[] = [];
  for (const [name, calls] of [...commands].sort((a, b) => b[1] - a[1])) {
    total += calls;
    parts.push(`${name} ${(calls / steps).toFixed(2)}`);
  }
  return { perStep: total / steps, detail: parts.join(', ') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The rows of the peer that sends the server's reply bytes, by frame kind. */
const REPLY_PEERS = { json: 'ws peer, the server\'s JSON reply', binary: 'ws peer, the server\'s binary reply' } as const;

/** The server's reply to one JSON frame (its text) and to one binary frame (its length). */
async function sampleReplies(url: string, jsonFrame: string, binaryFrame: Buffer): Promise<{ text: string; binaryBytes: number }> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const next = () => new Promise<Buffer>((resolve, reject) => {
    socket.once('message', (data: Buffer) => resolve(data));
    socket.once('error', reject);
  });
  await next(); // ready
  socket.send(jsonFrame);
  const text = (await next()).toString('utf8');
  socket.send(binaryFrame);
  const binaryBytes = (await next()).length;
  await new Promise((resolve) => {
    socket.once('close', resolve);
    socket.close();
  });
  if (!text.startsWith('{"type":"output"')) throw new Error(`sampling the server's reply: ${text}`);
  return { text, binaryBytes };
}

function startServer(modelsDir: string, env: NodeJS.ProcessEnv) {
  return startChild(
    [SERVER_ENTRY],
    { MODELS_DIR: modelsDir, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', API_KEYS: '', ...env },
    /Server listening at http:\/\/127\.0\.0\.1:(\d+)/,
    (process.env.SERVER_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== ''),
  );
}

const micros = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(1));

/** The numbers of one table cell set, for one row measured in one round (undefined: not measured). */
interface Cells {
  readonly stepsPerSecond: number;
  readonly xEcho: number | undefined;
  readonly xReplyPeer: number | undefined;
  readonly xMemory: number | undefined;
  readonly p50: number;
  readonly p50xEcho: number | undefined;
  readonly p50MinusMemoryRtts: number | undefined;
  readonly p99: number;
  readonly serverCpuMicros: number | undefined;
  readonly redisRoundTrips: number | undefined;
  readonly redisCommands: number | undefined;
  readonly redisCpuMicros: number | undefined;
}

/** A row's numbers against the echo, reply peer and memory rows of its own round. */
function cellsOf(row: Row, round: readonly Row[], redisPing: number | undefined): Cells {
  const echo = round.find((other) => other.sockets === row.sockets && other.target.startsWith('ws echo'));
  const memory = row.target.includes('redis') ? round.find((other) => other.sockets === row.sockets && other.target === row.target.replace('redis', 'memory')) : undefined;
  const peerTarget = row.target.startsWith('stream, JSON') ? REPLY_PEERS.json : row.target.startsWith('stream, binary') ? REPLY_PEERS.binary : undefined;
  const peer = peerTarget === undefined ? undefined : round.find((other) => other.sockets === row.sockets && other.target === peerTarget);
  const over = (value: number, base: number | undefined) => (base === undefined || !(base > 0) ? undefined : value / base);
  return {
    stepsPerSecond: row.stepsPerSecond,
    xEcho: over(row.stepsPerSecond, echo?.stepsPerSecond),
    xReplyPeer: over(row.stepsPerSecond, peer?.stepsPerSecond),
    xMemory: over(row.stepsPerSecond, memory?.stepsPerSecond),
    p50: row.p50,
    p50xEcho: over(row.p50, echo?.p50),
    p50MinusMemoryRtts: memory === undefined || redisPing === undefined || row.sockets !== 1 ? undefined : (row.p50 - memory.p50) / redisPing,
    p99: row.p99,
    serverCpuMicros: row.serverCpuMicros,
    redisRoundTrips: row.redisRoundTrips,
    redisCommands: row.redisCommands?.perStep,
    redisCpuMicros: row.redisCpuMicros,
  };
}

/**
 * One table: every row against the echo row of its socket count (throughput and p50), the Redis
 * rows also against the memory row of the same frames, each ratio taken within its round (rows
 * measured seconds apart). Over several rounds a cell is the median of the rounds, and the
 * ratios against the echo and the memory store also give their range: this machine is shared,
 * and one round's ratio can be off by a tenth either way.
 */
function printTable(title: string, rounds: readonly (readonly Row[])[], redisPing: number | undefined): void {
  console.log(`\n${title}\n`);
  console.log(
    '| target | sockets | steps/s | x echo | x reply peer | x memory | p50 ms | p50 x echo | p50 - memory, in Redis RTTs (1 socket) | p99 ms | server CPU us/step | redis round trips/step | redis cmds/step | redis CPU us/step |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const first of rounds[0]!) {
    const cells = rounds.flatMap((round) => {
      const row = round.find((other) => other.sockets === first.sockets && other.target === first.target);
      return row === undefined ? [] : [cellsOf(row, round, redisPing)];
    });
    const values = (pick: (cell: Cells) => number | undefined) => cells.map(pick).filter((value): value is number => value !== undefined);
    const cell = (pick: (cell: Cells) => number | undefined, format: (value: number) => string) => {
      const found = values(pick);
      return found.length === 0 ? '' : format(median(found));
    };
    const ratioCell = (pick: (cell: Cells) => number | undefined) => medianAndRange(values(pick), 2, 'x');
    const isEcho = first.target.startsWith('ws echo');
    console.log(
      `| ${first.target} | ${first.sockets} | ${cell((c) => c.stepsPerSecond, (v) => String(Math.round(v)))} | ${isEcho ? '1' : ratioCell((c) => c.xEcho)} | ` +
        `${ratioCell((c) => c.xReplyPeer)} | ${ratioCell((c) => c.xMemory)} | ${cell((c) => c.p50, (v) => v.toFixed(3))} | ` +
        `${isEcho ? '1' : cell((c) => c.p50xEcho, (v) => `${v.toFixed(2)}x`)} | ${cell((c) => c.p50MinusMemoryRtts, (v) => v.toFixed(1))} | ${cell((c) => c.p99, (v) => v.toFixed(3))} | ` +
        `${cell((c) => c.serverCpuMicros, micros) || '-'} | ${cell((c) => c.redisRoundTrips, (v) => v.toFixed(2))} | ${cell((c) => c.redisCommands, (v) => v.toFixed(2))} | ${cell((c) => c.redisCpuMicros, micros) || '-'} |`,
    );
  }
  const detailed = rounds[rounds.length - 1]!.filter((row) => row.redisCommands !== undefined);
  if (detailed.length > 0) {
    console.log(`\nRedis commands per step (INFO commandstats; commands a script runs count too${rounds.length > 1 ? '; the last round' : ''}):`);
    for (const row of detailed) console.log(`- ${row.target}, ${row.sockets} sockets: ${row.redisCommands!.detail}`);
  }
}

async function main(): Promise<void> {
  const modelsDir = mkdtempSync(join(tmpdir(), 'rnn-serve-bench-'));
  writeModelPackage(modelsDir);
  const random = seededRandom(2);
  const vectors = Array.from({ length: 64 }, () => randomFloats(INPUT_SIZE, 1, random));
  const jsonFrames = vectors.map((x) => JSON.stringify({ x: Array.from(x) }));
  const binaryFrames = vectors.map((x) => Buffer.from(x.buffer));
  const loadBefore = loadAverage();

  const rounds: Row[][] = [];
  const redis = await benchRedis();
  const prefix = `rnn-serve-bench:${randomUUID()}:`;
  const children: ChildProcess[] = [];
  let redisPing: number | undefined;
  try {
    if (redis !== undefined) redisPing = await redisPingMillis(redis.url);
    const streamUrl = (server: { match: RegExpExecArray }) => `ws://127.0.0.1:${server.match[1]}/v1/models/${MODEL}/stream`;
    const memoryServer = await startServer(modelsDir, { SESSION_STORE: 'memory' });
    children.push(memoryServer.child);
    const echo = await startChild(['bench/stream-echo-server.ts'], {}, /listening (\d+)/);
    children.push(echo.child);
    // The peer that answers with the server's own reply bytes (see stream-echo-server.ts).
    const sample = await sampleReplies(streamUrl(memoryServer), jsonFrames[0]!, binaryFrames[0]!);
    const replyPeer = await startChild(['bench/stream-echo-server.ts'], { REPLY_TEXT: sample.text, REPLY_BINARY_BYTES: String(sample.binaryBytes) }, /listening (\d+)/);
    children.push(replyPeer.child);
    const replyPeerUrl = `ws://127.0.0.1:${replyPeer.match[1]}`;
    const redisServer = redis === undefined ? undefined : await startServer(modelsDir, { SESSION_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix });
    if (redisServer !== undefined) children.push(redisServer.child);
    const probe = redisServer === undefined ? undefined : { ...redis!, serverUrl: `http://127.0.0.1:${redisServer.match[1]}` };
    const echoUrl = `ws://127.0.0.1:${echo.match[1]}`;
    for (let round = 0; round < ROUNDS; round++) {
      const rows: Row[] = [];
      rounds.push(rows);
      for (const sockets of SOCKETS) {
      rows.push(await drive('ws echo (JSON frame)', echoUrl, sockets, jsonFrames, false, echo.child.pid));
      rows.push(await drive(REPLY_PEERS.json, replyPeerUrl, sockets, jsonFrames, false, replyPeer.child.pid));
      rows.push(await drive(REPLY_PEERS.binary, replyPeerUrl, sockets, binaryFrames, false, replyPeer.child.pid));
      for (const [frames, kind] of [[jsonFrames, 'JSON {"x"}'], [binaryFrames, 'binary float32']] as const) {
        rows.push(await drive(`stream, ${kind}, memory store`, streamUrl(memoryServer), sockets, frames, true, memoryServer.child.pid));
        if (redisServer !== undefined) {
          rows.push(await drive(`stream, ${kind}, redis store`, streamUrl(redisServer), sockets, frames, true, redisServer.child.pid, probe));
        }
      }
      }
    }
  } finally {
    for (const child of children.reverse()) await stopChild(child);
    if (redis !== undefined) {
      await deleteKeys(redis.url, prefix);
      await redis.stop();
    }
    rmSync(modelsDir, { recursive: true, force: true });
  }

  const setup = `LSTM(${INPUT_SIZE}, ${HIDDEN_SIZE}), one element per frame, closed loop, ${ROW_SECONDS} s per row, median of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}`;
  console.log(`\n(client here, servers in child processes; node ${process.version}; ${loadBefore} before, ${loadAverage()} after)`);
  const ping = redisPing === undefined ? '' : `, PING round trip p50 ${redisPing.toFixed(3)} ms`;
  printTable(`WebSocket streams: ${setup}; Redis: ${redis?.description ?? 'none'}${ping}`, rounds, redisPing);
}

await main();

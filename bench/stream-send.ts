// The cost of making and sending one stream reply, the server's way against `ws`'s send(), on
// the same server socket, for the two replies of a step of LSTM(32, 128): 128 float32 as a
// binary frame (512 bytes) and as the JSON output reply (about 750 bytes). `ws.send` is how the
// server sent them before: the payload (a copy of the row; the reply's text), then ws.send().
// `sendMessage` is how it sends them now (src/stream/stream-socket.ts, replies.ts): the whole
// frame built in one buffer (for JSON, the row formatted into the frame's bytes), one write. A client in another process reads every frame and checks its bytes at
// the end (the count and the total size). The server's CPU time per frame is
// process.cpuUsage() around the sends; the two ways alternate, ROUNDS times each, so both see the
// same machine. Run with `npx tsx bench/stream-send.ts` (FRAMES=100000 per measurement).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { StreamSocket } from '../src/stream/stream-socket.js';
import { binaryReply, outputFrame, outputReply } from '../src/stream/replies.js';
import { median } from './rounds.js';

const FRAMES = Number(process.env.FRAMES ?? 100_000);
const ROUNDS = 3;
/** Sent per event-loop turn before yielding: about what one engine batch answers at 64 sockets. */
const PER_TURN = 32;
const MAX_UNREAD_BYTES = 1 << 20;

const outputs = Float32Array.from({ length: 128 }, (_, i) => Math.tanh(i * 0.37 - 20));
type Kind = 'binary' | 'json';
const T = 1234;
/** The reply's bytes as ws.send() sent them (payload only) and its length on the wire (payload). */
const payloadOf: Record<Kind, () => string | Buffer> = {
  binary: () => {
    const bytes = Buffer.allocUnsafe(outputs.byteLength);
    bytes.set(new Uint8Array(outputs.buffer, outputs.byteOffset, outputs.byteLength));
    return bytes;
  },
  json: () => outputReply(T, outputs, undefined),
};
const frameOf: Record<Kind, () => ReturnType<typeof binaryReply>> = {
  binary: () => binaryReply(outputs),
  json: () => outputFrame(T, outputs, undefined),
};

const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, WebSocket: StreamSocket });
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

// The reader: counts frames and bytes, prints them when the server closes.
const reader = spawn(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import WebSocket from 'ws';
     const socket = new WebSocket('ws://127.0.0.1:${port}');
     let frames = 0, bytes = 0;
     socket.on('message', (data) => { frames++; bytes += data.length; });
     socket.on('close', () => { process.stdout.write(JSON.stringify({ frames, bytes })); });`,
  ],
  { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
);
let readerOutput = '';
reader.stdout.on('data', (chunk: Buffer) => (readerOutput += chunk.toString()));

const [socket, request] = (await once(server, 'connection')) as [StreamSocket, { socket: { writableLength: number } }];
const tcp = request.socket;
const flushed = (): void => {};

async function sendAll(way: 'ws.send' | 'sendMessage', kind: Kind): Promise<number> {
  const payload = payloadOf[kind];
  const frame = frameOf[kind];
  const start = process.cpuUsage();
  for (let i = 0; i < FRAMES; i++) {
    if (way === 'ws.send') socket.send(payload(), flushed);
    else socket.sendMessage(frame(), flushed);
    if (i % PER_TURN === PER_TURN - 1) {
      await new Promise(setImmediate);
      while (tcp.writableLength > MAX_UNREAD_BYTES) await new Promise(setImmediate);
    }
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / FRAMES;
}

const results: Record<string, number[]> = {};
let expectedFrames = 0;
let expectedBytes = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of ['binary', 'json'] as const) {
    for (const way of ['ws.send', 'sendMessage'] as const) {
      (results[`${kind} ${way}`] ??= []).push(await sendAll(way, kind));
      expectedFrames += FRAMES;
      expectedBytes += FRAMES * Buffer.byteLength(payloadOf[kind]());
    }
  }
}
socket.close();
await once(reader, 'exit');
server.close();

const received = JSON.parse(readerOutput) as { frames: number; bytes: number };
if (received.frames !== expectedFrames || received.bytes !== expectedBytes) {
  throw new Error(`the reader got ${received.frames} frames, ${received.bytes} bytes; sent ${expectedFrames}, ${expectedBytes}`);
}

console.log(`One stream reply made and sent ${FRAMES} times per round, ${ROUNDS} rounds, median server CPU per reply:\n`);
console.log('| reply | payload bytes | payload + ws.send() µs | frame + sendMessage() µs | ratio |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const kind of ['binary', 'json'] as const) {
  const viaWs = median(results[`${kind} ws.send`]!);
  const direct = median(results[`${kind} sendMessage`]!);
  console.log(`| ${kind} | ${Buffer.byteLength(payloadOf[kind]())} | ${viaWs.toFixed(2)} | ${direct.toFixed(2)} | ${(direct / viaWs).toFixed(2)}x |`);
}
console.log(`\nThe reader got all ${received.frames} frames (${received.bytes} bytes).`);

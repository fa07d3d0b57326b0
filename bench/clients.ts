// What the clients cost on a stream: one stream pipelining single elements (32 in flight) through
// the bundled co2-lstm (so the engine is cheap and the client's own work shows), against the real
// server in a child process. Rows: a bare `ws` client sending hand-made frames (the floor), the
// TypeScript client's map(), and the Python client's blocking and asyncio map() (Debian's
// /usr/bin/python3), each in JSON and binary frames. Steps/s and the ratio to the bare client of
// the same framing, measured side by side in one run. `npm run bench:clients` (ELEMENTS=20000).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { Client } from '../clients/typescript/src/index.js';
import { bundledModelsOnly } from '../test/helpers/bundled-models.js';
import { ServerProcess } from '../test/helpers/server-process.js';

const ELEMENTS = Number(process.env.ELEMENTS ?? 20000);
const WINDOW = 32;
const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
const clientsDir = fileURLToPath(new URL('../clients/python', import.meta.url));
const values = Array.from({ length: ELEMENTS }, (_, i) => [360 + Math.sin(i / 10)]);

/** A bare ws client: pipelined frames, the next sent as each reply arrives. */
async function bare(baseUrl: string, binary: boolean): Promise<number> {
  const client = new Client(baseUrl);
  const session = await client.session('co2-lstm');
  const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}/v1/sessions/${session.id}/stream`);
  await new Promise((resolve) => socket.once('message', resolve)); // ready
  const started = performance.now();
  let sent = 0;
  const send = (): void => {
    const x = values[sent]!;
    socket.send(binary ? new Float32Array(x) : JSON.stringify({ x, expected_t: sent }));
    sent++;
  };
  await new Promise<void>((resolve) => {
    let received = 0;
    socket.on('message', () => {
      received++;
      if (sent < ELEMENTS) send();
      if (received === ELEMENTS) resolve();
    });
    while (sent < WINDOW) send();
  });
  const seconds = (performance.now() - started) / 1000;
  socket.close();
  await session.delete();
  return ELEMENTS / seconds;
}

async function typescriptClient(baseUrl: string, binary: boolean): Promise<number> {
  const stream = await new Client(baseUrl).stream('co2-lstm', { binary });
  const started = performance.now();
  let count = 0;
  for await (const reply of stream.map(values, WINDOW)) count += reply.outputs!.length;
  const seconds = (performance.now() - started) / 1000;
  await stream.close();
  if (count !== ELEMENTS) throw new Error(`got ${count} outputs`);
  return ELEMENTS / seconds;
}

function python(baseUrl: string, binary: boolean, asyncio: boolean): Promise<number> {
  const script = `
import asyncio, math, sys, time
sys.path.insert(0, ${JSON.stringify(clientsDir)})
from rnn_serve import AsyncClient, Client
values = [[360 + math.sin(i / 10)] for i in range(${ELEMENTS})]
async def run_async():
    async with AsyncClient(${JSON.stringify(baseUrl)}).stream("co2-lstm", binary=${binary ? 'True' : 'False'}) as stream:
        started = time.perf_counter()
        count = 0
        async for reply in stream.map(values, window=${WINDOW}):
            count += len(reply.outputs)
        return count, time.perf_counter() - started
def run_sync():
    with Client(${JSON.stringify(baseUrl)}).stream("co2-lstm", binary=${binary ? 'True' : 'False'}) as stream:
        started = time.perf_counter()
        count = sum(len(reply.outputs) for reply in stream.map(values, window=${WINDOW}))
        return count, time.perf_counter() - started
count, seconds = asyncio.run(run_async()) if ${asyncio ? 'True' : 'False'} else run_sync()
assert count == ${ELEMENTS}, count
print(count / seconds)
`;
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('exit', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`python exited ${code}`))));
  });
}

const models = bundledModelsOnly();
const server = await ServerProcess.start({ MODELS_DIR: models.dir });
try {
  console.log(`one stream, ${ELEMENTS} single elements, ${WINDOW} in flight, co2-lstm (LSTM 32), server ${process.version}`);
  console.log('framing | client               | steps/s | vs bare ws');
  for (const binary of [false, true]) {
    const framing = binary ? 'binary ' : 'JSON   ';
    await bare(server.baseUrl, binary); // warm-up
    const floor = await bare(server.baseUrl, binary);
    const rows: [string, number][] = [
      ['bare ws (hand-made)', floor],
      ['TypeScript map()', await typescriptClient(server.baseUrl, binary)],
      ['Python map() (sync)', await python(server.baseUrl, binary, false)],
      ['Python map() (async)', await python(server.baseUrl, binary, true)],
    ];
    for (const [name, rate] of rows) console.log(`${framing} | ${name.padEnd(20)} | ${Math.round(rate).toString().padStart(7)} | ${(rate / floor).toFixed(2)}`);
  }
} finally {
  await server.stop();
  models.cleanup();
}

// HTTP throughput and latency of the REST routes, with autocannon, next to a bare Fastify route
// driven the same way in the same run: POST predict with a one-element and a 50-element sequence,
// the same over /v2 (JSON and binary tensors), single-element steps of /v2 sequences and of
// sessions (one per connection), on the bundled co2-lstm model
// (LSTM 32, input and output 1). Server and load generator run in separate processes.
// Run with `npm run bench:http` (ROW_SECONDS=5, CONNECTIONS=16 by default).
import autocannon from 'autocannon';
import { join } from 'node:path';
import { freePort, repoRoot, startServer, stopServer } from './child-server.js';

const ROW_SECONDS = Number(process.env.ROW_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const MODEL = 'co2-lstm';

interface Row {
  readonly name: string;
  readonly result: autocannon.Result;
}

function sequence(length: number): number[][] {
  return Array.from({ length }, (_, t) => [330 + Math.sin(t / 5)]);
}

async function run(name: string, options: autocannon.Options): Promise<Row> {
  // A short warm-up so V8 has compiled the hot paths before the measured run.
  await autocannon({ ...options, duration: 1 });
  const result = await autocannon({ ...options, duration: ROW_SECONDS });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${name}: ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  }
  return { name, result };
}

function post(url: string, body: unknown): autocannon.Options {
  return {
    url,
    method: 'POST',
    connections: CONNECTIONS,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** Triton's binary tensor extension: the JSON header, then T float32 values; all outputs binary. */
function binaryInfer(url: string, T: number): autocannon.Options {
  const header = Buffer.from(
    JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, T, 1], parameters: { binary_data_size: 4 * T } }], parameters: { binary_data_output: true } }),
  );
  const values = Buffer.from(new Float32Array(sequence(T).flat()).buffer);
  return {
    url,
    method: 'POST',
    connections: CONNECTIONS,
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

const barePort = await freePort();
const bare = await startServer('bench/bare-fastify-server.ts', {}, barePort, '/healthz');
const port = await freePort();
const server = await startServer('src/server.ts', { MODELS_DIR: join(repoRoot, 'models'), LOG_LEVEL: 'warn' }, port, '/readyz');
const base = `http://127.0.0.1:${port}`;
const rows: Row[] = [];
try {
  rows.push(await run('bare Fastify POST (T=1 body)', post(`http://127.0.0.1:${barePort}/echo`, { inputs: sequence(1) })));
  rows.push(await run('bare Fastify POST (T=50 body)', post(`http://127.0.0.1:${barePort}/echo`, { inputs: sequence(50) })));
  rows.push(await run('POST predict, T=1', post(`${base}/v1/models/${MODEL}/predict`, { inputs: sequence(1) })));
  rows.push(await run('POST predict, T=50', post(`${base}/v1/models/${MODEL}/predict`, { inputs: sequence(50) })));
  // The Open Inference Protocol on the same dataplane: JSON tensors, and binary tensors in and out.
  const v2 = (T: number) => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, T, 1], data: sequence(T).flat() }] });
  rows.push(await run('POST /v2 infer JSON, T=1', post(`${base}/v2/models/${MODEL}/infer`, v2(1))));
  rows.push(await run('POST /v2 infer JSON, T=50', post(`${base}/v2/models/${MODEL}/infer`, v2(50))));
  rows.push(await run('POST /v2 infer binary, T=50', binaryInfer(`${base}/v2/models/${MODEL}/infer`, 50)));
  let sequenceId = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, (_, k) =>
      fetch(`${base}/v2/models/${MODEL}/infer`, { method: 'POST', body: JSON.stringify({ ...v2(1), parameters: { sequence_id: k + 1, sequence_start: true } }) }),
    ),
  );
  // One body per sequence, made once: the load generator only picks the next (as for sessions).
  const stepBodies = Array.from({ length: CONNECTIONS }, (_, k) => JSON.stringify({ ...v2(1), parameters: { sequence_id: k + 1 } }));
  rows.push(
    await run('POST /v2 sequence step, 1 element', {
      ...post(`${base}/v2/models/${MODEL}/infer`, v2(1)),
      requests: [{ setupRequest: (request) => ({ ...request, body: stepBodies[sequenceId++ % CONNECTIONS]! }) }],
    }),
  );
  const sessions = await createSessions(base, CONNECTIONS);
  let next = 0;
  rows.push(
    await run('POST session step, 1 element', {
      ...post(`${base}/v1/sessions/${sessions[0]}/steps`, { inputs: sequence(1) }),
      // Each request goes to the next session in turn: concurrent steps of different sessions.
      requests: [{ setupRequest: (request) => ({ ...request, path: `/v1/sessions/${sessions[next++ % sessions.length]}/steps` }) }],
    }),
  );
} finally {
  await stopServer(server);
  await stopServer(bare);
}

console.log(`\n${CONNECTIONS} connections, ${ROW_SECONDS} s per row, ${process.version}\n`);
console.log('| route | req/s | p50 ms | p99 ms |');
console.log('| --- | ---: | ---: | ---: |');
for (const { name, result } of rows) {
  console.log(`| ${name} | ${Math.round(result.requests.average)} | ${result.latency.p50} | ${result.latency.p99} |`);
}

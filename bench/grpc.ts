// gRPC throughput of the Open Inference Protocol next to REST /v2 in the same run, on the bundled
// co2-lstm model: ModelInfer (raw_input_contents) and REST infer (binary tensors) for a T=1 and a
// T=50 sequence, and one-element sequence steps over ModelInfer and over ModelStreamInfer (one
// stream and one sequence per client). CLIENTS concurrent closed-loop clients per row, each
// sending its next request when the answer came. The client is generated from proto/inference.proto.
// Run with `npm run bench:grpc` (ROW_SECONDS=5, CLIENTS=16 by default).
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { credentials, loadPackageDefinition, type Client, type ClientDuplexStream, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { freePort, repoRoot, startServer, stopServer, SERVER_ENTRY } from './child-server.js';

const ROW_SECONDS = Number(process.env.ROW_SECONDS ?? 5);
const CLIENTS = Number(process.env.CLIENTS ?? 16);
const MODEL = 'co2-lstm';

type Call = (request: object) => Promise<unknown>;

/** Runs CLIENTS closed loops of `send` for ROW_SECONDS; answers requests per second and p99 ms. */
async function closedLoops(makeSend: (client: number) => Call | Promise<Call>, makeRequest: (client: number) => object): Promise<{ rate: number; p99: number }> {
  const sends = await Promise.all(Array.from({ length: CLIENTS }, (_, k) => makeSend(k)));
  const latencies: number[] = [];
  const loop = async (k: number, until: number, record: boolean) => {
    while (performance.now() < until) {
      const started = performance.now();
      await sends[k]!(makeRequest(k));
      if (record) latencies.push(performance.now() - started);
    }
  };
  await Promise.all(sends.map((_, k) => loop(k, performance.now() + 1000, false))); // warm-up
  const started = performance.now();
  await Promise.all(sends.map((_, k) => loop(k, started + ROW_SECONDS * 1000, true)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / seconds, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

const values = (T: number) => Buffer.from(new Float32Array(Array.from({ length: T }, (_, t) => 330 + Math.sin(t / 5))).buffer);

function inferRequest(T: number, parameters: object = {}) {
  return { model_name: MODEL, parameters, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, T, 1] }], raw_input_contents: [values(T)] };
}

const httpAgent = new Agent({ keepAlive: true, maxSockets: CLIENTS });

/** POST /v2 infer with binary tensors in and out (Triton's HTTP client's default). */
function restBinary(port: number): Call {
  return (body) =>
    new Promise((resolve, reject) => {
      const { header, data } = body as { header: Buffer; data: Buffer };
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: `/v2/models/${MODEL}/infer`, agent: httpAgent, headers: { 'inference-header-content-length': header.length, 'content-length': header.length + data.length } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 200 ? resolve(undefined) : reject(new Error(`status ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(Buffer.concat([header, data]));
    });
}

function restBody(T: number) {
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, T, 1], parameters: { binary_data_size: 4 * T } }], parameters: { binary_data_output: true } }));
  return { header, data: values(T) };
}

const httpPort = await freePort();
const grpcPort = await freePort();
const server = await startServer(SERVER_ENTRY, { MODELS_DIR: join(repoRoot, 'models'), LOG_LEVEL: 'warn', GRPC_PORT: String(grpcPort) }, httpPort, '/readyz');
const definition = loadSync(join(repoRoot, 'proto', 'inference.proto'), { keepCase: true, longs: String, defaults: true, oneofs: true });
const Service = (loadPackageDefinition(definition).inference as GrpcObject).GRPCInferenceService as ServiceClientConstructor;
// One channel per client, as separate client processes would have.
const clients: Client[] = Array.from({ length: CLIENTS }, () => new Service(`127.0.0.1:${grpcPort}`, credentials.createInsecure()));
const unary = (k: number): Call => {
  const client = clients[k] as unknown as { ModelInfer: (r: object, cb: (e: Error | null, res: unknown) => void) => void };
  return (r) => new Promise((resolve, reject) => client.ModelInfer(r, (error, response) => (error ? reject(error) : resolve(response))));
};
const streamed = (k: number): Call => {
  const stream = (clients[k] as unknown as { ModelStreamInfer: () => ClientDuplexStream<object, { error_message: string }> }).ModelStreamInfer();
  const waiting: { resolve: (message: unknown) => void; reject: (error: Error) => void }[] = [];
  stream.on('data', (message: { error_message: string }) => {
    const next = waiting.shift()!;
    if (message.error_message === '') next.resolve(message);
    else next.reject(new Error(message.error_message));
  });
  // The server stopping ends every stream; a waiting request fails with its status.
  stream.on('error', (error: Error) => {
    for (const next of waiting.splice(0)) next.reject(error);
  });
  return (r) =>
    new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      stream.write(r);
    });
};

const rows: [string, { rate: number; p99: number }][] = [];
try {
  for (const T of [1, 50]) {
    rows.push([`REST /v2 infer binary, T=${T}`, await closedLoops(() => restBinary(httpPort), () => restBody(T))]);
    rows.push([`gRPC ModelInfer, T=${T}`, await closedLoops(unary, () => inferRequest(T))]);
  }
  for (let k = 0; k < CLIENTS; k++) await unary(k)(inferRequest(1, { sequence_id: { uint64_param: String(k + 1) }, sequence_start: { bool_param: true } }));
  rows.push(['gRPC ModelInfer sequence step, 1 element', await closedLoops(unary, (k) => inferRequest(1, { sequence_id: { uint64_param: String(k + 1) } }))]);
  rows.push(['gRPC ModelStreamInfer sequence step, 1 element', await closedLoops(streamed, (k) => inferRequest(1, { sequence_id: { uint64_param: String(k + 1) } }))]);
} finally {
  for (const client of clients) client.close();
  httpAgent.destroy();
  await stopServer(server);
}

console.log(`\n${CLIENTS} closed-loop clients, ${ROW_SECONDS} s per row, ${process.version}\n`);
console.log('| route | req/s | p99 ms |');
console.log('| --- | ---: | ---: |');
for (const [name, { rate, p99 }] of rows) console.log(`| ${name} | ${Math.round(rate)} | ${p99.toFixed(1)} |`);

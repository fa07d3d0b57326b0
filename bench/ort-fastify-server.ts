// The peer of POST predict in `npm run bench:http`: a plain Fastify server answering the same
// request ({"inputs": T x I}) with the same answer shape ({"model", "outputs", "state"}) through
// onnxruntime-node (one intra-op thread) on an ONNX export of the same weights (ONNX_MODEL).
// Run by bench/http.ts, which exports the model first.
import Fastify from 'fastify';
import { loadOrt, SINGLE_THREAD } from './peers/onnx-models.js';

const ort = loadOrt();
const modelPath = process.env.ONNX_MODEL ?? '';
const I = Number(process.env.INPUT_SIZE);
const H = Number(process.env.HIDDEN_SIZE);
const session = await ort.InferenceSession.create(modelPath, SINGLE_THREAD);

/** A row-major T x width Float32Array as nested arrays. */
function rows(data: Float32Array, width: number): number[][] {
  const out: number[][] = [];
  for (let t = 0; t < data.length / width; t++) out.push(Array.from(data.subarray(t * width, (t + 1) * width)));
  return out;
}

const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
app.get('/healthz', async () => ({ status: 'ok' }));
app.post<{ Body: { inputs: number[][] } }>('/predict', async (request, reply) => {
  const { inputs } = request.body;
  const T = inputs.length;
  if (T === 0 || inputs.some((row) => !Array.isArray(row) || row.length !== I)) return reply.code(400).send({ error: 'bad inputs' });
  const x = new Float32Array(T * I);
  inputs.forEach((row, t) => x.set(row, t * I));
  const result = await session.run({
    x: new ort.Tensor('float32', x, [T, 1, I]),
    h0: new ort.Tensor('float32', new Float32Array(H), [1, 1, H]),
    c0: new ort.Tensor('float32', new Float32Array(H), [1, 1, H]),
  });
  const y = result.y.data;
  return { model: 'onnx', outputs: rows(y, y.length / T), state: { h: rows(result.h.data, H), c: rows(result.c.data, H) } };
});
await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });

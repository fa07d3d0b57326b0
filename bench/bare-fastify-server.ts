// The yardstick for bench/http.ts: a bare Fastify 5 app with one JSON POST route that parses the
// body and answers a small JSON object, no logging, no schema. What HTTP alone costs here.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/echo', async (request) => {
  const body = request.body as { inputs?: unknown[] };
  return { model: 'echo', t: Array.isArray(body.inputs) ? body.inputs.length : 0 };
});
await app.listen({ port: Number(process.env.PORT ?? 8090), host: process.env.HOST ?? '127.0.0.1' });

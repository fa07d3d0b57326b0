// What the service logs by default: nothing for a fast success, one line for each 4xx (info),
// 5xx (error) and slow request (warn), with the route pattern and never the request's numbers
// or credentials. LOG_REQUESTS=true brings Fastify's per-request lines back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLoggerOptions, withoutApiKey } from '../../src/logger.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';

interface LogLine {
  level: number;
  msg: string;
  method?: string;
  route?: string;
  statusCode?: number;
  responseTime?: number;
  err?: { type?: string; code?: string; message?: string; stack?: string };
  req?: { url?: string };
  res?: { statusCode?: number };
  [key: string]: unknown;
}

const INFO = 30;
const WARN = 40;
const ERROR = 50;
// Digits that appear in request bodies only: finding them in a log line means a body leaked.
const SENTINEL = 0.7315926535;

async function appWithLog(
  t: test.TestContext,
  env: Record<string, string> = {},
  addRoutes: (app: FastifyInstance) => void = () => {},
) {
  const config = loadConfig({ MODELS_DIR: FIXTURES_DIR, ...env });
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const stream = {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line) as LogLine);
    },
  };
  const app: FastifyInstance = await buildApp({ config, logger: { ...createLoggerOptions(config), stream } });
  t.after(() => app.close());
  addRoutes(app);
  await app.ready();
  lines.length = 0; // startup lines are not requests
  raw.length = 0;
  const requestLines = () => lines.filter((line) => line.statusCode !== undefined);
  return { app, lines, requestLines, text: () => raw.join('') };
}

test('a fast successful request writes no log line by default', async (t) => {
  const { app, lines } = await appWithLog(t);
  assert.equal((await app.inject('/v1/models')).statusCode, 200);
  const predicted = await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: [[SENTINEL, 1, 2]] } });
  assert.equal(predicted.statusCode, 200);
  assert.deepEqual(lines, []);
});

test('a 4xx is logged once at info, with method, route pattern, status, duration and error code', async (t) => {
  const { app, requestLines, text } = await appWithLog(t);
  const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } });
  const id = (created.json() as { session_id: string }).session_id;
  const response = await app.inject({
    method: 'POST',
    url: `/v1/sessions/${id}/steps`,
    payload: { inputs: [[SENTINEL, SENTINEL]] },
  });
  assert.equal(response.statusCode, 400);
  const logged = requestLines();
  assert.equal(logged.length, 1, JSON.stringify(logged));
  const [line] = logged;
  assert.equal(line?.level, INFO);
  assert.equal(line?.method, 'POST');
  assert.equal(line?.route, '/v1/sessions/:id/steps');
  assert.equal(line?.statusCode, 400);
  assert.equal(typeof line?.responseTime, 'number');
  assert.equal(line?.err?.code, 'INVALID_INPUT');
  assert.equal(line?.err?.stack, undefined, 'a client error is logged without a stack');
  assert.ok(!text().includes(id), 'the session id is not logged (the route pattern is)');
  assert.ok(!text().includes(String(SENTINEL).slice(2)), 'no input value is logged');
});

test('an unknown route is logged at info under the "unmatched" route', async (t) => {
  const { app, requestLines } = await appWithLog(t);
  assert.equal((await app.inject('/wp-login.php')).statusCode, 404);
  const [line] = requestLines();
  assert.equal(line?.level, INFO);
  assert.equal(line?.route, 'unmatched');
  assert.equal(line?.statusCode, 404);
});

test('a 5xx is logged at error with the original error and its stack', async (t) => {
  const { app, requestLines } = await appWithLog(t, {}, (app) =>
    app.get('/test/fails', async () => {
      throw new Error('the disk is on fire');
    }),
  );
  const response = await app.inject('/test/fails');
  assert.equal(response.statusCode, 500);
  assert.doesNotMatch(response.body, /disk is on fire/, 'internals stay out of the response');
  const [line] = requestLines();
  assert.equal(line?.level, ERROR);
  assert.equal(line?.route, '/test/fails');
  assert.equal(line?.err?.message, 'the disk is on fire');
  assert.match(String(line?.err?.stack), /^Error: the disk is on fire/);
});

test('a request slower than SLOW_REQUEST_MS is logged at warn', async (t) => {
  // 0 ms: every request is slower than the threshold, without making any request wait.
  const { app, requestLines } = await appWithLog(t, { SLOW_REQUEST_MS: '0' });
  assert.equal((await app.inject('/v1/models/gru')).statusCode, 200);
  const [line] = requestLines();
  assert.equal(line?.level, WARN);
  assert.equal(line?.msg, 'slow request');
  assert.equal(line?.route, '/v1/models/:model');
  assert.equal(line?.statusCode, 200);
});

test("LOG_REQUESTS=true adds Fastify's per-request lines, without credentials", async (t) => {
  const { app, lines, text } = await appWithLog(t, { LOG_REQUESTS: 'true', API_KEYS: 'the-secret-key' });
  const response = await app.inject({ url: '/v1/models?api_key=the-secret-key', headers: { authorization: 'Bearer the-secret-key' } });
  assert.equal(response.statusCode, 200);
  assert.ok(lines.some((line) => line.msg === 'incoming request' && line.req?.url === '/v1/models'), text());
  assert.ok(lines.some((line) => line.msg === 'request completed' && line.res?.statusCode === 200));
  assert.ok(!text().includes('the-secret-key'));
});

test('credentials in logged headers are redacted', async (t) => {
  const { app, text } = await appWithLog(t);
  app.log.info({ req: { headers: { authorization: 'Bearer the-secret-key' } } }, 'a request');
  app.log.info({ headers: { authorization: 'Bearer the-secret-key', cookie: 'session=the-secret-key' } }, 'headers');
  assert.ok(text().includes('[redacted]'), text());
  assert.ok(!text().includes('the-secret-key'), text());
});

test('withoutApiKey removes only the api_key query parameter', () => {
  assert.equal(withoutApiKey('/v1/models/gru/stream?api_key=k'), '/v1/models/gru/stream');
  assert.equal(withoutApiKey('/v1/s/1/stream?a=1&api_key=k&b=2'), '/v1/s/1/stream?a=1&b=2');
  assert.equal(withoutApiKey('/v1/models?my_api_key=k'), '/v1/models?my_api_key=k');
  assert.equal(withoutApiKey('/healthz'), '/healthz');
});

// Issue 9, findings 4 and 6: what reaches the server below Fastify's routes, over raw TCP where
// app.inject cannot go: router refusals (a parameter over MAX_PARAM_LENGTH, a bad %-encoding)
// on every route that has a parameter, headers over MAX_HEADER_BYTES, requests the HTTP parser
// rejects, pipelined garbage, a missing Host, bodies and headers trickled byte by byte
// (slowloris). Every answer has the documented error shape and says what and where.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { writeRandomPackage } from '../helpers/model-files.js';
import { exchange, listeningPort, openConnections, type RawExchange } from '../helpers/raw-http.js';
import { eventually } from '../helpers/stream-client.js';

const modelsDir = mkdtempSync(join(tmpdir(), 'rnn-serve-protocol-'));
after(() => rmSync(modelsDir, { recursive: true, force: true }));
writeRandomPackage(modelsDir, 'gru', { architecture: 'gru', input_size: 3, hidden_size: 4, output_size: 2 }, 1);

async function startApp(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildApp({ config: loadConfig({ MODELS_DIR: modelsDir, LOG_LEVEL: 'silent', ...env }), logger: false });
  return { app, port: await listeningPort(app) };
}

function assertAnswer(result: RawExchange, status: number, code: string, messagePart?: string): Record<string, unknown> {
  const { response } = result;
  assert.ok(response !== undefined, `no HTTP answer; received ${JSON.stringify(result.received.slice(0, 300))}`);
  assert.equal(response.status, status, response.body);
  const body = response.json ?? {};
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], response.body);
  assert.equal(body.code, code, response.body);
  assert.equal(body.statusCode, status);
  if (messagePart !== undefined) assert.ok(String(body.message).includes(messagePart), `"${String(body.message)}" lacks "${messagePart}"`);
  return body;
}

// Connection: close, so that the server ends every exchange (keep-alive would hold it open).
const request = (method: string, path: string, headers: readonly string[] = ['Host: rnn-serve.test', 'Connection: close'], body = ''): string =>
  `${method} ${path} HTTP/1.1\r\n${[...headers, ...(body !== '' ? ['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`] : [])].join('\r\n')}\r\n\r\n${body}`;

describe('router refusals on every route with a path parameter', async () => {
  const { app, port } = await startApp({ MAX_PARAM_LENGTH: '40' });
  after(() => app.close());
  // Every documented operation with a parameter, from the OpenAPI document, plus the streams.
  const paths = (app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
  const routes: [string, string][] = [
    ['GET', '/v1/models/{model}/stream'],
    ['GET', '/v1/sessions/{id}/stream'],
  ];
  for (const [path, operations] of Object.entries(paths)) {
    if (!path.includes('{')) continue;
    for (const method of Object.keys(operations)) routes.push([method.toUpperCase(), path]);
  }

  it('covers the routes with parameters', () => {
    assert.ok(routes.length >= 12, `only ${routes.length} routes with parameters`);
  });

  for (const [method, template] of routes) {
    it(`${method} ${template}`, async () => {
      const long = 'x'.repeat(41);
      const tooLong = assertAnswer(await exchange(port, request(method, template.replace(/\{\w+\}/, long))), 414, 'URI_TOO_LONG', 'MAX_PARAM_LENGTH');
      assert.ok(!String(tooLong.message).includes(long), 'the answer echoes the parameter');
      assertAnswer(await exchange(port, request(method, template.replace(/\{\w+\}/, '%FF'))), 400, 'INVALID_INPUT', 'percent-encoding');
    });
  }

  it('a bad %-encoding in a long URL is quoted cut short', async () => {
    const path = `/v1/sessions/%FF${'y'.repeat(2000)}`;
    const body = assertAnswer(await exchange(port, request('GET', path)), 400, 'INVALID_INPUT');
    assert.ok(String(body.message).length < 300, String(body.message));
  });
});

describe('requests the HTTP parser refuses', async () => {
  const { app, port } = await startApp({ MAX_HEADER_BYTES: '2048' });
  after(() => app.close());

  it('headers over MAX_HEADER_BYTES: 431 HEADERS_TOO_LARGE, connection closed', async () => {
    const header = assertAnswer(await exchange(port, request('GET', '/healthz', ['Host: x', `X-Big: ${'a'.repeat(3000)}`])), 431, 'HEADERS_TOO_LARGE', 'MAX_HEADER_BYTES');
    assert.ok(header !== undefined);
    const many = Array.from({ length: 200 }, (_, i) => `X-H${i}: value`);
    const manyResult = await exchange(port, request('GET', '/healthz', ['Host: x', ...many]));
    assertAnswer(manyResult, 431, 'HEADERS_TOO_LARGE');
    assert.ok(manyResult.closedByServer);
    assertAnswer(await exchange(port, request('GET', `/v1/models/${'m'.repeat(3000)}`)), 431, 'HEADERS_TOO_LARGE');
  });

  const malformed: [string, string][] = [
    ['a request line that is not HTTP', 'HELLO\r\n\r\n'],
    ['an unknown method', 'FROB /healthz HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['an unknown HTTP version', 'GET /healthz HTTP/7.1\r\nHost: x\r\n\r\n'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n'],
    ['a space in a header name', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n'],
    ['bad chunked encoding', 'POST /v1/models/gru/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n'],
    [
      'Content-Length with Transfer-Encoding',
      'POST /v1/models/gru/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
    ],
    ['two Content-Length headers that differ', 'POST /v1/models/gru/predict HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'],
    ['a NUL byte in the path', 'GET /heal\u0000thz HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['binary garbage', '\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u01fc\u0003\u0003\r\n\r\n'],
  ];
  for (const [what, bytes] of malformed) {
    it(`${what}: 400 MALFORMED_REQUEST naming the parser's reason, connection closed`, async () => {
      const result = await exchange(port, Buffer.from(bytes, 'latin1'));
      assertAnswer(result, 400, 'MALFORMED_REQUEST', 'the HTTP request is malformed');
      assert.ok(result.closedByServer);
    });
  }

  it('garbage pipelined after a valid request: every answer in the error shape, connection closed', async () => {
    const result = await exchange(port, `${request('GET', '/healthz')}GARBAGE GARBAGE\r\n\r\n`);
    assert.ok(result.closedByServer);
    const answers = result.received.split(/(?=HTTP\/1\.1 )/).filter((part) => part.startsWith('HTTP/1.1'));
    assert.ok(answers.length >= 1);
    const last = answers.at(-1) ?? '';
    assert.match(last, /^HTTP\/1\.1 400 /);
    assert.match(last, /"code":"MALFORMED_REQUEST"/);
  });

  it('an HTTP/1.1 request without Host: 400 MALFORMED_REQUEST with a body (HTTP/1.0 needs none)', async () => {
    assertAnswer(await exchange(port, 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n'), 400, 'MALFORMED_REQUEST', 'Host');
    assertAnswer(
      await exchange(port, 'POST /v1/models/gru/predict HTTP/1.1\r\nConnection: close\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}'),
      400,
      'MALFORMED_REQUEST',
      'Host',
    );
    const old = await exchange(port, 'GET /healthz HTTP/1.0\r\n\r\n');
    assert.equal(old.response?.status, 200);
  });

  it('leaves no connection open and /healthz answering', async () => {
    await eventually(async () => (await openConnections(app)) === 0, 'every refused connection is closed');
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  });
});

describe('slow clients (slowloris)', async () => {
  const { app, port } = await startApp({ REQUEST_TIMEOUT_MS: '800', HEADERS_TIMEOUT_MS: '400' });
  after(() => app.close());

  /** Writes `text` one byte every `everyMs` until the socket closes. */
  const trickle = (text: string, everyMs: number) => (socket: Socket) => {
    let i = 0;
    const timer = setInterval(() => {
      if (i >= text.length || socket.destroyed) return clearInterval(timer);
      socket.write(text[i++] ?? '');
    }, everyMs);
    socket.once('close', () => clearInterval(timer));
  };

  it('a body at 1 byte per 50 ms is cut off: 408 REQUEST_TIMEOUT naming REQUEST_TIMEOUT_MS, connection closed', { timeout: 20_000 }, async () => {
    const body = JSON.stringify({ inputs: [[0.1, 0.2, 0.3]] }).padEnd(400, ' ');
    const head = `POST /v1/models/gru/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const result = await exchange(port, '', {
      write: (socket) => {
        socket.write(head);
        trickle(body, 50)(socket);
      },
    });
    assertAnswer(result, 408, 'REQUEST_TIMEOUT', 'REQUEST_TIMEOUT_MS');
    assert.ok(result.closedByServer);
  });

  it('headers at 1 byte per 50 ms are cut off: 408 REQUEST_TIMEOUT', { timeout: 20_000 }, async () => {
    const result = await exchange(port, '', { write: trickle(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ${'z'.repeat(200)}\r\n\r\n`, 50) });
    assertAnswer(result, 408, 'REQUEST_TIMEOUT', 'HEADERS_TIMEOUT_MS');
    assert.ok(result.closedByServer);
  });

  it('a connection that sends nothing is answered 408 and closed', { timeout: 20_000 }, async () => {
    const result = await exchange(port, '', { write: () => {} });
    assertAnswer(result, 408, 'REQUEST_TIMEOUT');
    assert.ok(result.closedByServer);
  });

  it('keeps no slow connection, and still answers others', async () => {
    await eventually(async () => (await openConnections(app)) === 0, 'slow connections are closed');
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  });
});

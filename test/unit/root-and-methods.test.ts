// Issue 9, finding 11: GET / points at the documentation and the entry points instead of 404,
// and a wrong method on an existing path is 405 with `Allow` (not 404), on every path.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertError, buildTestApp } from '../helpers/app.js';
import { writeRandomPackage } from '../helpers/model-files.js';

const modelsDir = mkdtempSync(join(tmpdir(), 'rnn-serve-root-'));
after(() => rmSync(modelsDir, { recursive: true, force: true }));
writeRandomPackage(modelsDir, 'gru', { architecture: 'gru', input_size: 3, hidden_size: 4, output_size: 2 }, 1);

const app = await buildTestApp({ MODELS_DIR: modelsDir });
after(() => app.close());

describe('GET /', () => {
  it('answers 200 with the service and its entry points, the docs first', async () => {
    const response = await app.inject('/');
    assert.equal(response.statusCode, 200);
    const index = response.json<Record<string, string>>();
    assert.equal(index.name, 'rnn-serve');
    assert.equal(index.docs, '/docs');
    assert.equal(typeof index.version, 'string');
  });

  it('every path it names answers', async () => {
    const index = (await app.inject('/')).json<Record<string, string>>();
    for (const key of ['docs', 'openapi', 'models', 'health', 'ready', 'metrics']) {
      const path = index[key] ?? '';
      assert.match(path, /^\//, `${key} is not a path`);
      const response = await app.inject(path);
      assert.ok(response.statusCode < 400, `${key} (${path}) answers ${response.statusCode}`);
    }
  });
});

describe('a wrong method on an existing path', () => {
  const paths = (app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
  const routes = new Map<string, string[]>(Object.entries(paths).map(([path, operations]) => [path, Object.keys(operations).map((m) => m.toUpperCase())]));
  routes.set('/v1/models/{model}/stream', ['GET']);
  routes.set('/v1/sessions/{id}/stream', ['GET']);
  routes.set('/metrics', ['GET']);

  for (const [template, methods] of routes) {
    const path = template.replace('{model}', 'gru').replace('{id}', 'some-session');
    const allowed = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
    it(`${template}: 405 METHOD_NOT_ALLOWED with Allow: ${allowed.join(', ')}`, async () => {
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const) {
        if (allowed.includes(method)) continue;
        const response = await app.inject({ method, url: path });
        if (template.startsWith('/v2')) {
          // The Open Inference Protocol's error shape: {"error": "..."}.
          assert.equal(response.statusCode, 405, `${method} ${path}`);
          assert.match(response.json<{ error: string }>().error, new RegExp(`does not answer ${method}`));
        } else {
          assertError(response, 405, 'METHOD_NOT_ALLOWED', method);
        }
        assert.deepEqual(String(response.headers.allow).split(', ').sort(), [...allowed].sort(), `${method} ${path}`);
      }
    });
  }

  it('a path that does not exist is still 404 NOT_FOUND, pointing at GET /', async () => {
    assertError(await app.inject({ method: 'POST', url: '/v1/nothing' }), 404, 'NOT_FOUND', 'GET /');
  });
});

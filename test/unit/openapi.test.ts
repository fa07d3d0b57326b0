// The OpenAPI document: served at /openapi.json exactly as committed in openapi/openapi.json,
// valid OpenAPI, with every /v1 operation documenting its errors and the shared schemas as
// named components.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { schemaId, sharedSchemas } from '../../src/schemas/index.js';

const COMMITTED = 'openapi/openapi.json';

interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string; scheme?: string }> };
}

// The same configuration as scripts/write-openapi.ts: the defaults.
async function servedDocument(t: test.TestContext): Promise<{ text: string; document: Document }> {
  const app = await buildApp({ config: loadConfig({ MODELS_DIR: 'models' }), logger: false });
  t.after(() => app.close());
  const response = await app.inject('/openapi.json');
  assert.equal(response.statusCode, 200);
  return { text: response.body, document: response.json() as Document };
}

function operations(document: Document): { path: string; method: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
  );
}

test('the served /openapi.json is the committed openapi/openapi.json', async (t) => {
  const { document } = await servedDocument(t);
  assert.equal(
    `${JSON.stringify(document, null, 2)}\n`,
    readFileSync(COMMITTED, 'utf8'),
    `${COMMITTED} is out of date: run npm run openapi and commit the result`,
  );
});

test('the document is valid OpenAPI', async (t) => {
  const { document } = await servedDocument(t);
  assert.match(document.openapi, /^3\.1\./);
  // The validator dereferences in place: give it a copy.
  await SwaggerParser.validate(structuredClone(document) as never);
});

test('the document names the package and declares the bearer scheme', async (t) => {
  const { document } = await servedDocument(t);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
  assert.equal(document.info.title, pkg.name);
  assert.equal(document.info.version, pkg.version);
  assert.deepEqual(document.components.securitySchemes.bearerAuth, {
    ...document.components.securitySchemes.bearerAuth,
    type: 'http',
    scheme: 'bearer',
  });
});

test('every HTTP route of api.md is documented, and the documentation routes are not', async (t) => {
  const { document } = await servedDocument(t);
  const documented = new Set(operations(document).map(({ method, path }) => `${method} ${path}`));
  const apiMd = [
    'GET /healthz',
    'GET /readyz',
    'GET /v1/models',
    'GET /v1/models/{model}',
    'POST /v1/models/{model}/predict',
    'POST /v1/sessions',
    'GET /v1/sessions/{id}',
    'POST /v1/sessions/{id}/steps',
    'POST /v1/sessions/{id}/reset',
    'DELETE /v1/sessions/{id}',
  ];
  for (const route of apiMd) assert.ok(documented.has(route), `${route} is documented`);
  for (const path of Object.keys(document.paths)) assert.ok(!/^\/(openapi\.json|docs)/.test(path), path);
});

test('every /v1 operation has a tag, the bearer scheme and a response for each error it can give', async (t) => {
  const { document } = await servedDocument(t);
  for (const { path, method, operation } of operations(document).filter(({ path }) => path.startsWith('/v1/'))) {
    const where = `${method} ${path}`;
    const statuses = Object.keys(operation.responses);
    assert.ok(operation.tags?.length, `${where} has a tag`);
    assert.deepEqual(operation.security, [{ bearerAuth: [] }], `${where} declares the bearer scheme`);
    assert.ok(statuses.some((status) => status.startsWith('2')), `${where} documents its success`);
    const expected = ['401', '408', '431']; // the API key; the HTTP parser's timeouts and header limit
    if (operation.parameters?.some((parameter) => parameter.in === 'path')) expected.push('404', '414'); // unknown, or over MAX_PARAM_LENGTH
    if (operation.requestBody !== undefined) expected.push('400', '413'); // invalid input, body too large
    if (path.includes('predict') || path.endsWith('/steps')) expected.push('503'); // model failed to load
    if (method === 'POST' && path === '/v1/sessions') expected.push('404', '429', '503');
    if (path.endsWith('/steps')) expected.push('409'); // expected_t conflict
    for (const status of expected) assert.ok(statuses.includes(status), `${where} documents ${status}`);
    for (const status of statuses.filter((s) => Number(s) >= 400)) {
      const schema = operation.responses[status]?.content?.['application/json']?.schema;
      assert.equal(schema?.$ref, '#/components/schemas/ErrorResponse', `${where} ${status} has the error shape`);
    }
  }
});

test('shared schemas are named components, not def-N', async (t) => {
  const { document, text } = await servedDocument(t);
  const names = Object.keys(document.components.schemas);
  for (const id of sharedSchemas.map(schemaId)) assert.ok(names.includes(id), `components.schemas.${id}`);
  for (const name of names) assert.doesNotMatch(name, /^def-\d+$/);
  assert.doesNotMatch(text, /#\/components\/schemas\/def-/);
});

test('/docs serves the Swagger UI', async (t) => {
  const app = await buildApp({ config: loadConfig({ MODELS_DIR: 'models' }), logger: false });
  t.after(() => app.close());
  const response = await app.inject('/docs');
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^text\/html/);
});

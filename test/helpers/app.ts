// Apps for HTTP tests: the whole service on the PyTorch fixtures (or any models folder), quiet,
// with an injectable clock, plus small helpers to read what it answers.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type BuildAppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { FIXTURES_DIR } from './fixtures.js';

export { FIXTURES_DIR };

/** A config read from these variables, serving the PyTorch fixtures unless MODELS_DIR is given. */
export function testConfig(env: Record<string, string> = {}) {
  return loadConfig({ MODELS_DIR: FIXTURES_DIR, LOG_LEVEL: 'silent', ...env });
}

export async function buildTestApp(
  env: Record<string, string> = {},
  options: Omit<BuildAppOptions, 'config'> = {},
): Promise<FastifyInstance> {
  const app = await buildApp({ config: testConfig(env), logger: false, ...options });
  await app.ready();
  return app;
}

/** A clock tests move by hand: TTLs expire without sleeping. */
export class ManualClock {
  constructor(private time = Date.UTC(2030, 0, 1)) {}
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

/** The service's error shape, with the code and a message that contains `messagePart`. */
export function assertError(response: LightMyRequestResponse, statusCode: number, code: string, messagePart?: string | RegExp): void {
  const body = response.json() as Record<string, unknown>;
  assert.equal(response.statusCode, statusCode, `status (body: ${response.body})`);
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode']);
  assert.equal(body.statusCode, statusCode);
  assert.equal(body.code, code, `code (message: ${String(body.message)})`);
  assert.equal(typeof body.error, 'string');
  if (typeof messagePart === 'string') assert.ok(String(body.message).includes(messagePart), `message "${String(body.message)}" should contain "${messagePart}"`);
  else if (messagePart !== undefined) assert.match(String(body.message), messagePart);
}

/**
 * A models folder with copies of some fixtures plus extra packages given as file maps
 * (e.g. a broken one); removed by the returned cleanup.
 */
export function makeModelsDir(
  fixtures: readonly string[],
  extra: Record<string, Record<string, string>> = {},
): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-models-'));
  for (const name of fixtures) cpSync(join(FIXTURES_DIR, name), join(dir, name), { recursive: true });
  for (const [name, files] of Object.entries(extra)) {
    mkdirSync(join(dir, name));
    for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, name, file), content);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

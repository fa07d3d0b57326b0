// Issue 9, finding 11: what operators read. The 503s the service answers on purpose (draining,
// the store or a model unavailable) are logged at info/warn without a stack, never at error,
// while a real fault still is; LOG_LEVEL=debug adds what the server decided at start (config
// without credentials, store, limits), each model package with its load time, and every
// refused WebSocket upgrade.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ModelNotReadyError, ShuttingDownError, StoreUnavailableError } from '../../src/errors.js';
import { createLoggerOptions } from '../../src/logger.js';
import { writeRandomPackage } from '../helpers/model-files.js';
import { exchange, listeningPort, upgradeRequest } from '../helpers/raw-http.js';
import { eventually } from '../helpers/stream-client.js';

interface LogLine {
  level: number;
  msg: string;
  statusCode?: number;
  err?: { code?: string; stack?: string; cause?: string };
  [key: string]: unknown;
}
const DEBUG = 20;
const INFO = 30;
const WARN = 40;
const ERROR = 50;

const modelsDir = mkdtempSync(join(tmpdir(), 'rnn-serve-oplog-'));
after(() => rmSync(modelsDir, { recursive: true, force: true }));
writeRandomPackage(modelsDir, 'gru', { architecture: 'gru', input_size: 3, hidden_size: 4, output_size: 2 }, 1);
mkdirSync(join(modelsDir, 'broken'));
writeFileSync(join(modelsDir, 'broken', 'config.json'), '{"architecture": "gru"');

async function appWithLog(env: Record<string, string>, addRoutes: (app: FastifyInstance) => void = () => {}) {
  const config = loadConfig({ MODELS_DIR: modelsDir, ...env });
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const stream = {
    write(line: string) {
      raw.push(line);
      lines.push(JSON.parse(line) as LogLine);
    },
  };
  const app = await buildApp({ config, logger: { ...createLoggerOptions(config), stream } });
  after(() => app.close());
  addRoutes(app);
  await app.ready();
  return { app, lines, text: () => raw.join('') };
}

describe('expected 503s', async () => {
  const { app, lines } = await appWithLog({ LOG_LEVEL: 'info' }, (app) => {
    app.get('/test/draining', async () => {
      throw new ShuttingDownError('the server is shutting down; retry on another instance');
    });
    app.get('/test/store', async () => {
      // As redis-connection.ts makes them: the Redis error as the cause.
      throw Object.assign(new StoreUnavailableError('the session store does not answer'), { cause: new Error('connect ECONNREFUSED 127.0.0.1:6390') });
    });
    app.get('/test/model', async () => {
      throw new ModelNotReadyError("model 'broken' is not ready");
    });
    app.get('/test/fault', async () => {
      throw new Error('a bug');
    });
  });
  const lineOf = async (url: string): Promise<LogLine> => {
    lines.length = 0;
    const response = await app.inject(url);
    const found = lines.filter((line) => line.statusCode === response.statusCode);
    assert.equal(found.length, 1, JSON.stringify(lines));
    return found[0] as LogLine;
  };

  it('SHUTTING_DOWN is logged at info, without a stack', async () => {
    const line = await lineOf('/test/draining');
    assert.equal(line.level, INFO);
    assert.equal(line.err?.code, 'SHUTTING_DOWN');
    assert.equal(line.err?.stack, undefined);
  });

  it('STORE_UNAVAILABLE and MODEL_NOT_READY are logged at warn, without a stack, with the cause', async () => {
    const store = await lineOf('/test/store');
    assert.equal(store.level, WARN);
    assert.equal(store.err?.stack, undefined);
    assert.equal(store.err?.cause, 'connect ECONNREFUSED 127.0.0.1:6390');
    const model = await lineOf('/test/model');
    assert.equal(model.level, WARN);
    assert.equal(model.err?.stack, undefined);
  });

  it('a fault of the service is still logged at error with its stack', async () => {
    const line = await lineOf('/test/fault');
    assert.equal(line.level, ERROR);
    assert.ok(line.err?.stack?.includes('a bug'));
  });
});

describe('LOG_LEVEL=debug', async () => {
  const { app, lines, text } = await appWithLog({ LOG_LEVEL: 'debug', API_KEYS: 'very-secret-key', REDIS_URL: 'redis://user:hunter2@127.0.0.1:6379' });

  it('logs the configuration read, without credentials', () => {
    const config = lines.find((line) => line.msg === 'configuration read');
    assert.ok(config !== undefined && config.level === DEBUG);
    assert.ok(!text().includes('very-secret-key'), 'an API key was logged');
    assert.ok(!text().includes('hunter2'), 'the Redis password was logged');
  });

  it('logs the startup decisions and the HTTP limits', () => {
    const decisions = lines.find((line) => line.msg === 'startup decisions');
    assert.equal(decisions?.sessionStore, 'memory');
    assert.equal(decisions?.scheduler, 'batching');
    assert.match(String(decisions?.authentication), /API keys required/);
    const limits = lines.find((line) => line.msg === 'HTTP limits');
    assert.equal(limits?.requestTimeoutMs, 30000);
  });

  it('logs every model package with its load time, the failed one with why', () => {
    const loaded = lines.find((line) => line.msg === 'model package loaded' && line.model === 'gru');
    assert.ok(loaded !== undefined && loaded.level === DEBUG);
    assert.equal(typeof loaded.loadMs, 'number');
    assert.equal(loaded.architecture, 'gru');
    const failed = lines.find((line) => line.msg === 'model package failed to load' && line.model === 'broken');
    assert.ok(failed !== undefined);
    assert.equal(typeof failed.error, 'string');
  });

  it('logs a refused WebSocket upgrade', async () => {
    const port = await listeningPort(app);
    await exchange(port, upgradeRequest('/v1/sessions/%FF/stream'));
    await eventually(() => lines.some((line) => line.level === DEBUG && /WebSocket upgrade refused/.test(line.msg)), 'a debug line for the refused upgrade');
  });

  it('none of it at LOG_LEVEL=info', async () => {
    const { lines: infoLines } = await appWithLog({ LOG_LEVEL: 'info' });
    assert.deepEqual(infoLines.filter((line) => line.level < INFO), []);
    assert.ok(!infoLines.some((line) => line.msg === 'configuration read'));
  });
});

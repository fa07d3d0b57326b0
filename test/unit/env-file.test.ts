// .env: read when it exists, the real environment winning over it (src/env-file.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { applyEnvFile } from '../../src/env-file.js';

describe('applyEnvFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-env-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const envFile = (text: string): string => {
    const path = join(dir, `${Math.random().toString(36).slice(2)}.env`);
    writeFileSync(path, text);
    return path;
  };

  it('does nothing when the file does not exist', () => {
    const env = { PORT: '1234' };
    assert.deepEqual(applyEnvFile(join(dir, 'missing.env'), env), []);
    assert.deepEqual(env, { PORT: '1234' });
  });

  it('fills in what the environment leaves unset; a variable it defines wins, even when empty', () => {
    const path = envFile('PORT=9000\nMAX_SESSIONS=5\nAPI_KEYS=from-the-file-0123456789\nLOG_LEVEL=debug\n');
    const env: NodeJS.ProcessEnv = { PORT: '8081', API_KEYS: '' };
    assert.deepEqual(applyEnvFile(path, env).sort(), ['LOG_LEVEL', 'MAX_SESSIONS']);
    assert.deepEqual(env, { PORT: '8081', API_KEYS: '', MAX_SESSIONS: '5', LOG_LEVEL: 'debug' });
    const config = loadConfig(env);
    assert.equal(config.port, 8081);
    assert.deepEqual(config.apiKeys, []);
    assert.equal(config.maxSessions, 5);
  });

  it('reads comments, quotes, export and empty values as node --env-file does', () => {
    const path = envFile('# a comment\nexport HOST=127.0.0.1\nREDIS_KEY_PREFIX="tenant a:"\nMODELS_DIR=\n\n');
    const env: NodeJS.ProcessEnv = {};
    applyEnvFile(path, env);
    assert.deepEqual(env, { HOST: '127.0.0.1', REDIS_KEY_PREFIX: 'tenant a:', MODELS_DIR: '' });
    assert.equal(loadConfig(env).modelsDir, loadConfig({}).modelsDir, 'empty means the default');
  });

  it('turns .env.example, copied as it is, into the default configuration', () => {
    const env: NodeJS.ProcessEnv = {};
    assert.ok(applyEnvFile('.env.example', env).length > 10);
    assert.deepEqual(loadConfig(env), loadConfig({}));
  });

  it('refuses a .env it cannot read, naming it', () => {
    assert.throws(
      () => applyEnvFile(dir, {}),
      (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${dir} cannot be read (EISDIR`),
    );
  });
});

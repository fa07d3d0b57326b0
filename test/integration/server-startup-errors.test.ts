// Issue 9, finding 11: a deployment mistake (a bad variable, a missing MODELS_DIR, a port in
// use) ends `npm start` (src/server.ts) with exit code 1 and ONE line on stderr saying what to
// fix: no stack trace, no pino noise before it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const modelsDir = fileURLToPath(new URL('../../models', import.meta.url));

function runServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, MODELS_DIR: modelsDir, API_KEYS: '', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  // A server that started after all would run until killed: the test then fails on its code.
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => child.once('exit', (code) => (clearTimeout(timer), resolve({ code, stderr, stdout }))));
}

function assertOneLine(result: { code: number | null; stderr: string; stdout: string }, ...parts: string[]): void {
  assert.equal(result.code, 1, `exit code (stderr: ${result.stderr})`);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, `stderr should be one line:\n${result.stderr}`);
  assert.ok(!/^\s+at /m.test(result.stderr), 'a stack trace was printed');
  for (const part of parts) assert.ok(lines[0]?.includes(part), `"${lines[0]}" lacks "${part}"`);
  assert.equal(result.stdout, '');
}

describe('a server that cannot start', { concurrency: true }, () => {
  it('a variable that is not valid names it and what it must be', async () => {
    assertOneLine(await runServer({ PORT: 'eighty' }), 'rnn-serve: cannot start', 'PORT=eighty', 'integer');
    assertOneLine(await runServer({ HEADERS_TIMEOUT_MS: '90000' }), 'HEADERS_TIMEOUT_MS=90000', 'REQUEST_TIMEOUT_MS');
  });

  it('a MODELS_DIR that does not exist names it', async () => {
    assertOneLine(await runServer({ MODELS_DIR: '/no/such/models' }), "models directory '/no/such/models' does not exist");
  });

  it('a port in use names the address', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    assert.ok(address !== null && typeof address === 'object');
    try {
      assertOneLine(await runServer({ PORT: String(address.port) }), `127.0.0.1:${address.port}`, 'EADDRINUSE');
    } finally {
      taken.close();
    }
  });
});

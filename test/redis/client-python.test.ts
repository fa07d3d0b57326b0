// The Python client (clients/python, package rnn_serve) against real server processes: this file
// starts them (one plain, one with API keys, three replicas sharing Redis), runs the Python tests
// with Debian's /usr/bin/python3 (numpy, websockets) through clients/python/tests/run_json.py,
// and reports each Python test as a subtest here, so they count (and fail) in the node runner.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON, missingTool, pythonHas } from '../helpers/system-tools.js';
import { after, before, describe, it } from 'node:test';
import { bundledModelsOnly } from '../helpers/bundled-models.js';
import { RedisPrefixes, requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { ServerProcess } from '../helpers/server-process.js';

const RUNNER = fileURLToPath(new URL('../../clients/python/tests/run_json.py', import.meta.url));
const API_KEY = 'python-client-key';

interface PythonResult {
  readonly test: string;
  readonly description: string;
  readonly status: 'pass' | 'fail' | 'error' | 'skip';
  readonly seconds: number;
  readonly detail: string;
}

/** Runs the Python suite with `env`; its JSON lines, and what it wrote to stderr. */
function runPythonTests(env: Record<string, string>): Promise<{ results: PythonResult[]; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [RUNNER], { env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      const results = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as PythonResult);
      resolve({ results, code, stderr });
    });
  });
}

const missing = missingTool(`${PYTHON} with websockets and numpy`, pythonHas(['websockets', 'numpy']), 'apt-get install -y python3-websockets python3-numpy');

describe('Python client (clients/python) against real servers', { skip: missing }, async () => {
  if (missing) return;
  await requireRedis();
  const prefixes = new RedisPrefixes();
  const bundled = bundledModelsOnly();
  after(bundled.cleanup);
  const models = { MODELS_DIR: bundled.dir };
  const replicaEnv = { ...models, SESSION_STORE: 'redis', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefixes.create('client-py') };
  const started = await Promise.allSettled([
    ServerProcess.start(models),
    ServerProcess.start({ ...models, API_KEYS: API_KEY }),
    ServerProcess.start(replicaEnv),
    ServerProcess.start(replicaEnv),
    ServerProcess.start(replicaEnv),
  ]);
  const servers = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await prefixes.deleteAll();
  });
  for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
  // victim: killed by the Python resume test; frozen: stopped (SIGSTOP) by it, killed in after().
  const [plain, keyed, victim, survivor, frozen] = servers as [ServerProcess, ServerProcess, ServerProcess, ServerProcess, ServerProcess];

  let run: Awaited<ReturnType<typeof runPythonTests>>;
  before(async () => {
    run = await runPythonTests({
      RNN_SERVE_URL: plain.baseUrl,
      RNN_SERVE_KEYED_URL: keyed.baseUrl,
      RNN_SERVE_API_KEY: API_KEY,
      RNN_SERVE_REPLICAS: `${victim.baseUrl},${survivor.baseUrl}`,
      RNN_SERVE_VICTIM_PID: String(victim.child.pid),
      RNN_SERVE_FROZEN_REPLICAS: `${frozen.baseUrl},${survivor.baseUrl}`,
      RNN_SERVE_FROZEN_PID: String(frozen.child.pid),
    });
  });

  it('the Python suite ran every test and none failed or was skipped', async (t) => {
    assert.ok(run.results.length >= 15, `the Python tests ran (${run.results.length} reported):\n${run.stderr}`);
    for (const result of run.results) {
      // The Python test's own duration, in the name: the subtest only checks its outcome.
      await t.test(`python: ${result.description || result.test} (${result.seconds} s)`, () => {
        assert.equal(result.status, 'pass', `${result.test}: ${result.status}\n${result.detail}`);
      });
    }
    assert.equal(run.code, 0, `the Python runner exited ${run.code}:\n${run.stderr}`);
    assert.equal((await victim.exited).signal, 'SIGKILL', 'the resume test killed its replica');
  });
});

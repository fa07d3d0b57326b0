// The TypeScript client as a user installs it: compiled to JavaScript with its declarations
// (clients/typescript's `npm run build`, which `npm pack` runs first), placed in a project's
// node_modules and imported by its package name, so its package.json `exports` are what resolves.
// Plain Node runs it with no TypeScript toolchain, and a strict TypeScript consumer type-checks
// against the declarations. (test/redis/client-typescript.test.ts tests every call from source.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { bundledModelsOnly } from '../helpers/bundled-models.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const clientDir = join(repoRoot, 'clients', 'typescript');
const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
/** The child processes get no loader (tsx): what runs is what the package ships. */
const { NODE_OPTIONS: _loader, ...plainEnv } = process.env;

describe('the TypeScript client as an installed package', () => {
  const bundled = bundledModelsOnly();
  const project = mkdtempSync(join(tmpdir(), 'rnn-serve-client-user-'));
  const installed = join(project, 'node_modules', 'rnn-serve-client');
  let url = '';
  let app: FastifyInstance;

  before(async () => {
    mkdirSync(installed, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'a-user-project', private: true, type: 'module' }));
    cpSync(join(clientDir, 'package.json'), join(installed, 'package.json'));
    cpSync(join(clientDir, 'README.md'), join(installed, 'README.md'));
    // The package's own build, into the installed copy's dist/.
    await run(process.execPath, [tsc, '-p', join(clientDir, 'tsconfig.build.json'), '--outDir', join(installed, 'dist')], { env: plainEnv });
    app = await buildTestApp({ MODELS_DIR: bundled.dir });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    assert.ok(address !== null && typeof address === 'object');
    url = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    await app?.close();
    rmSync(project, { recursive: true, force: true });
    bundled.cleanup();
  });

  it('ships JavaScript and declarations where its exports point', () => {
    for (const file of ['index.js', 'index.d.ts', 'client.js', 'stream.js', 'errors.d.ts']) {
      assert.ok(existsSync(join(installed, 'dist', file)), `dist/${file}`);
    }
  });

  it('runs on plain Node, imported by name: the answers are the server\'s', async () => {
    const script = [
      "import { Client, NotFoundError } from 'rnn-serve-client';",
      'const client = new Client(process.argv[1]);',
      'const names = (await client.models()).map((model) => model.name).sort();',
      "const predicted = await client.predict('co2-lstm', [[316.1], [317.3]]);",
      "const missing = await client.model('no-such-model').then(() => 'answered', (error) => error instanceof NotFoundError ? error.code : String(error));",
      'console.log(JSON.stringify({ names, predicted, missing }));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, url], { cwd: project, env: plainEnv });
    const seen = JSON.parse(stdout) as { names: string[]; predicted: unknown; missing: string };
    assert.deepEqual(seen.names, ['co2-lstm', 'kjv-char-gru', 'min-char-rnn']);
    const direct = await app.inject({ method: 'POST', url: '/v1/models/co2-lstm/predict', payload: { inputs: [[316.1], [317.3]] } });
    assert.equal(direct.statusCode, 200, direct.body);
    assert.deepEqual(seen.predicted, direct.json(), 'the same answer as the route');
    assert.equal(seen.missing, 'MODEL_NOT_FOUND');
  });

  it('type-checks a strict TypeScript consumer against its declarations', async () => {
    writeFileSync(
      join(project, 'consumer.ts'),
      [
        "import { Client, ConflictError, type State } from 'rnn-serve-client';",
        "const client = new Client('http://127.0.0.1:1');",
        "export const outputs: Promise<number[][]> = client.predict('co2-lstm', [[1]]).then((answer) => answer.outputs);",
        'export const isConflict = (error: unknown): boolean => error instanceof ConflictError;',
        'export type Kept = State;',
        // Fails to compile (an unused expect-error) if the declarations were missing and the import were any.
        '// @ts-expect-error: predict needs a model and its inputs',
        'void client.predict();',
        '',
      ].join('\n'),
    );
    const options = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023'];
    const typeRoots = ['--typeRoots', join(repoRoot, 'node_modules', '@types'), '--types', 'node'];
    await run(process.execPath, [tsc, ...options, ...typeRoots, join(project, 'consumer.ts')], { cwd: project, env: plainEnv });
  });
});

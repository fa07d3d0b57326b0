// The Dockerfile and .env.example checked against the code they deploy, since no Docker engine
// runs here: every variable they set is one the service reads, the image's healthcheck hits a
// route that exists on the right port, and the image runs what `npm run build` produces.
// (docker-compose.yml and deploy/: deploy-compose.test.ts and deploy-kubernetes.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { CONFIG_DEFAULTS } from '../../src/config.js';
import { buildTestApp } from '../helpers/app.js';

const read = (path: string): string => readFileSync(path, 'utf8');
const configVariables = Object.keys(CONFIG_DEFAULTS).sort();

/** The Dockerfile as instructions: continuation lines joined, comments dropped. */
function dockerfileInstructions(): { keyword: string; args: string; stage: number }[] {
  const joined = read('Dockerfile').replace(/\\\n/g, ' ');
  let stage = -1;
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      if (keyword.toUpperCase() === 'FROM') stage += 1;
      return { keyword: keyword.toUpperCase(), args: rest.join(' '), stage };
    });
}
const instructions = dockerfileInstructions();
const runtimeStage = Math.max(...instructions.map((i) => i.stage));
const runtime = (keyword: string) => instructions.filter((i) => i.stage === runtimeStage && i.keyword === keyword);

/** `ENV A=1 B=2` of the runtime stage as a map. */
function runtimeEnv(): Map<string, string> {
  const env = new Map<string, string>();
  for (const { args } of runtime('ENV')) {
    for (const pair of args.split(/\s+/)) {
      const [name = '', value = ''] = pair.split('=');
      env.set(name, value);
    }
  }
  return env;
}

/** Host, port and path of every http://host:port/path URL in a text. */
function urlsIn(text: string): { host: string; port: string; path: string }[] {
  return [...text.matchAll(/https?:\/\/([\w.-]+):(\d+|' \+ [^']+ \+ ')(\/[\w/.-]*)/g)].map((m) => ({
    host: m[1] ?? '',
    port: m[2] ?? '',
    path: m[3] ?? '',
  }));
}

test('.env.example lists exactly the variables of CONFIG_DEFAULTS, with their defaults', () => {
  const entries = read('.env.example')
    .split('\n')
    .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  assert.deepEqual(entries.map(([name]) => name).sort(), configVariables);
  for (const [name, value] of entries) {
    assert.equal(value, CONFIG_DEFAULTS[name as keyof typeof CONFIG_DEFAULTS], `.env.example ${name}`);
  }
});

test('every variable the image sets is one the service reads (or NODE_ENV)', () => {
  for (const name of runtimeEnv().keys()) {
    assert.ok(name === 'NODE_ENV' || name in CONFIG_DEFAULTS, `the Dockerfile sets ${name}, which src/config.ts does not read`);
  }
});

test('every Dockerfile stage is built on Node 24', () => {
  const bases = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args.split(/\s+/)[0] ?? '');
  assert.ok(bases.length >= 2, 'a multi-stage build');
  for (const base of bases) assert.match(base, /^node:24(-|$|\.)/);
});

test('the image runs as a user that is not root', () => {
  const users = runtime('USER').map((i) => i.args);
  assert.equal(users.length, 1, 'one USER in the runtime stage');
  assert.ok(!['root', '0', '0:0'].includes(users[0] ?? 'root'), `USER ${users[0]}`);
});

test('the image listens on 0.0.0.0:8080, exposes that port and probes /healthz on it', () => {
  const env = runtimeEnv();
  assert.equal(env.get('HOST'), '0.0.0.0');
  assert.equal(env.get('NODE_ENV'), 'production');
  const port = env.get('PORT') ?? '';
  assert.deepEqual(runtime('EXPOSE').map((i) => i.args), [port]);
  const healthchecks = runtime('HEALTHCHECK');
  assert.equal(healthchecks.length, 1);
  const urls = urlsIn(healthchecks[0]?.args ?? '');
  assert.equal(urls.length, 1);
  assert.equal(urls[0]?.host, '127.0.0.1');
  assert.equal(urls[0]?.path, '/healthz');
  // The probe reads PORT from the environment, falling back to the image's default.
  assert.match(healthchecks[0]?.args ?? '', new RegExp(`process\\.env\\.PORT \\|\\| ${port}\\b`));
});

test('the image ships the models where MODELS_DIR points', () => {
  const modelsDir = runtimeEnv().get('MODELS_DIR');
  const workdir = runtime('WORKDIR').at(-1)?.args ?? '/';
  const copies = runtime('COPY').map((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')));
  const modelsCopy = copies.find(([source]) => source === 'models');
  assert.ok(modelsCopy, 'COPY models');
  assert.equal(posix.resolve(workdir, modelsCopy.at(-1) ?? ''), modelsDir);
});

test('the image CMD runs the file `npm run build` emits for src/server.ts', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  const project = /tsc -p (\S+)/.exec(pkg.scripts.build ?? '')?.[1];
  assert.ok(project, `npm run build (${pkg.scripts.build}) compiles with tsc -p <project>`);
  type TsConfig = { extends?: string; compilerOptions?: { outDir?: string; rootDir?: string } };
  const build = JSON.parse(read(project)) as TsConfig;
  const base = build.extends === undefined ? {} : (JSON.parse(read(build.extends)) as TsConfig);
  const outDir = build.compilerOptions?.outDir ?? base.compilerOptions?.outDir;
  const rootDir = build.compilerOptions?.rootDir ?? base.compilerOptions?.rootDir;
  assert.ok(outDir !== undefined && rootDir !== undefined, `${project} sets outDir and rootDir`);
  const emitted = join(outDir, relative(rootDir, 'src/server.ts')).replace(/\.ts$/, '.js');
  assert.equal(emitted, 'dist/src/server.js');

  const cmd = runtime('CMD');
  assert.equal(cmd.length, 1);
  // With the Node flags npm start gives the server (the young generation's size: see the README).
  const flags = new RegExp(`\\bnode((?: --\\S+)*) ${emitted.replaceAll('.', '\\.')}`).exec(pkg.scripts.start ?? '')?.[1];
  assert.ok(flags !== undefined, `npm start (${pkg.scripts.start}) runs node [flags] ${emitted}`);
  assert.deepEqual(JSON.parse(cmd[0]?.args ?? '[]'), ['node', ...flags.split(' ').filter((flag) => flag !== ''), emitted]);
  assert.ok(existsSync('src/server.ts'), 'src/server.ts exists');
  const copiedFromBuild = runtime('COPY').some((i) => i.args.includes('--from=build') && i.args.includes('/app/dist'));
  assert.ok(copiedFromBuild, 'the runtime stage copies dist from the build stage');
});

test('the path the image healthcheck probes answers 200 on the app', async (t) => {
  const paths = runtime('HEALTHCHECK').flatMap((i) => urlsIn(i.args).map((url) => url.path));
  assert.deepEqual(paths, ['/healthz']);
  const app = await buildTestApp();
  t.after(() => app.close());
  for (const path of paths) assert.equal((await app.inject(path)).statusCode, 200, path);
});

test('the image builds the wasm kernels the engine loads, and ships them', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  assert.ok(pkg.scripts['build:wasm'], 'package.json has a build:wasm script');
  assert.ok(pkg.scripts['build']?.includes('npm run build:wasm'), 'npm run build builds the wasm kernels');
  const buildRuns = instructions.filter((i) => i.stage < runtimeStage && i.keyword === 'RUN').map((i) => i.args);
  assert.ok(buildRuns.some((run) => run.includes('npm run build')), 'the build stage runs npm run build');
  const copies = runtime('COPY').map((i) => i.args);
  assert.ok(copies.some((args) => args.includes('--from=build') && /\/app\/build\s/.test(args)), 'build/ is copied');
  // The engine looks for build/kernels.wasm three levels above dist/src/engine: /app/build.
  assert.match(read('src/engine/kernels.ts'), /'\.\.\/\.\.\/\.\.\/build\/kernels\.wasm'/);
});

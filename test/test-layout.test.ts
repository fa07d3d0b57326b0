// The test suite's layout: every test file is run by `npm test`, each group has its own script,
// and the unit group stays in-process (no Redis, no child processes, no listening sockets), so
// `npm run test:unit` is fast and runs on a machine with nothing but Node. The globs are expanded by the shell (on Node 20 neither
// `node --test` nor `tsx --test` expands them), one folder level each: a file in a deeper or an
// unknown folder would silently never run, which is what this test catches.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const GROUPS = ['unit', 'integration', 'redis', 'deploy'] as const;

const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** The `<dir>/*.test.ts` globs of a script, as directories relative to the repository. */
function globDirs(script: string): string[] {
  const command = scripts[script];
  assert.ok(command !== undefined, `package.json has a "${script}" script`);
  assert.match(command, /(^| && )tsx --test /, `"${script}" runs tsx --test`);
  return command
    .split(/\s+/)
    .filter((word) => word.endsWith('.test.ts'))
    .map((glob) => {
      assert.match(glob, /^test(\/[a-z-]+)?\/\*\.test\.ts$/, `"${script}": ${glob} is one folder's *.test.ts`);
      return dirname(glob);
    });
}

/** Every *.test.ts under test/, relative to the repository (helpers hold no tests). */
function testFiles(dir = join(repoRoot, 'test')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(repoRoot, path)] : [];
  });
}

test('npm test lints, typechecks and runs test:all', () => {
  assert.match(scripts.test ?? '', /npm run lint\b/);
  assert.match(scripts.test ?? '', /npm run typecheck\b/);
  assert.match(scripts.test ?? '', /npm run test:all$/);
});

test('every group has its own script over its own folder', () => {
  for (const group of GROUPS) assert.deepEqual(globDirs(`test:${group}`), [`test/${group}`]);
});

test('test:all runs the top level (tests not yet sorted into a group) and every group', () => {
  assert.deepEqual(globDirs('test:all').sort(), ['test', ...GROUPS.map((group) => `test/${group}`)].sort());
});

test('every test file lies where test:all looks', () => {
  const dirs = new Set(globDirs('test:all'));
  const files = testFiles();
  assert.ok(files.length > GROUPS.length, `found ${files.length} test files`);
  for (const file of files) assert.ok(dirs.has(dirname(file)), `${file} is in no folder test:all runs (${[...dirs].join(', ')})`);
  for (const group of GROUPS) assert.ok(files.some((file) => dirname(file) === `test/${group}`), `test/${group} holds tests`);
});

test('unit and integration tests need no Redis; unit tests start no process and open no socket', () => {
  const redis = /from '(ioredis|\.\.\/helpers\/redis\.js)'/;
  const processes = /from '(node:child_process|\.\.\/helpers\/server-process\.js)'/;
  const sockets = /from '(supertest|ws|node:net|node:http|\.\.\/helpers\/stream-client\.js|\.\.\/helpers\/oip-grpc\.js)'|\.listen\(/;
  for (const file of testFiles()) {
    const group = dirname(file).split('/')[1];
    const source = readFileSync(join(repoRoot, file), 'utf8');
    if (group === 'unit' || group === 'integration') assert.doesNotMatch(source, redis, `${file} uses Redis: it belongs in test/redis`);
    if (group === 'unit') {
      assert.doesNotMatch(source, processes, `${file} starts processes: it belongs in test/integration`);
      assert.doesNotMatch(source, sockets, `${file} opens sockets: it belongs in test/integration`);
    }
  }
});

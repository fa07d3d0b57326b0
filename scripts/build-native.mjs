// `npm ci` / `npm install` (the package's install script) and `npm run build:native`: builds the
// native engine (native/, binding.gyp) with node-gyp. Where that is impossible (no C++ compiler,
// no Node headers) the install still succeeds: one line says why, and the server runs on the
// WebAssembly engine (RNN_ENGINE=auto). The full node-gyp output goes to build/native-build.log.
//
// node-gyp configure + build, not rebuild: rebuild starts by deleting build/, where the wasm
// kernels (build/kernels.wasm) also live. Node headers are taken from the running Node's own
// installation when it ships them (no download: this may run offline).
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const logPath = join(root, 'build', 'native-build.log');

if (process.env.RNN_SKIP_NATIVE_BUILD === '1') {
  console.log('rnn-serve: native engine build skipped (RNN_SKIP_NATIVE_BUILD=1); the WebAssembly engine will be used');
  process.exit(0);
}

/** node-gyp: the one npm runs scripts with, else npm's bundled copy, else a local install. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally
  }
  return candidates.find((candidate) => candidate !== undefined && candidate !== '' && existsSync(candidate));
}

function fail(reason, output = '') {
  // An addon left from an earlier build would not match these sources: the engine must not load it.
  rmSync(join(root, 'build', 'Release', 'rnn_native.node'), { force: true });
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, output);
  console.log(`rnn-serve: native engine not built (${reason}; details in build/native-build.log); the WebAssembly engine will be used`);
  process.exit(0);
}

const nodeGyp = findNodeGyp();
if (nodeGyp === undefined) fail('node-gyp not found');

const prefix = join(dirname(process.execPath), '..');
const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
let output = '';
for (const command of ['configure', 'build']) {
  const run = spawnSync(process.execPath, [nodeGyp, command, ...nodedir], { cwd: root, encoding: 'utf8' });
  output += `$ node-gyp ${command} ${nodedir.join(' ')}\n${run.stdout ?? ''}${run.stderr ?? ''}\n`;
  if (run.error !== undefined || run.status !== 0) {
    const lines = `${run.stderr ?? ''}`.split('\n').filter((line) => /error|not found|No such file/i.test(line));
    const gist = (lines.find((line) => !line.startsWith('gyp info')) ?? run.error?.message ?? `exit ${run.status}`)
      .replace(/^gyp ERR! /, '').trim();
    fail(`node-gyp ${command} failed: ${gist}`, output);
  }
}
mkdirSync(dirname(logPath), { recursive: true });
writeFileSync(logPath, output);
console.log('rnn-serve: native engine built (build/Release/rnn_native.node)');

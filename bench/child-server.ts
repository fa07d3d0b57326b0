// Starting and stopping a server in a child process for benchmarks: the load generator and the
// server then each get a core of their own instead of sharing one event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The server as `npm start` runs it: tsc's JavaScript (the bench:* scripts run `npm run build`
 * first). Not src/server.ts through tsx: tsx compiles with esbuild's keepNames, which wraps every
 * closure the server creates in a __name() call, a few percent of a step's CPU production never
 * pays.
 */
export const SERVER_ENTRY = process.env.BENCH_SERVER_ENTRY ?? 'dist/src/server.js';

/**
 * The Node flags `npm start` gives the server (package.json's start script, the one place they
 * are set; the Dockerfile's CMD repeats them and test/deploy checks it does), so the benches run
 * the server as production does. The peers run without them.
 */
export const SERVER_NODE_FLAGS = serverNodeFlags();

function serverNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const flags = /\bnode((?: --\S+)*) dist\/src\/server\.js/.exec(pkg.scripts.start)?.[1];
  if (flags === undefined) throw new Error(`package.json start (${pkg.scripts.start}) does not run node [flags] dist/src/server.js`);
  return flags.split(' ').filter((flag) => flag !== '');
}

/** node's arguments for `script`: JavaScript as it is, TypeScript (a bench peer) through tsx; the server with its flags. */
export function nodeArgsFor(script: string): string[] {
  const flags = script === SERVER_ENTRY ? SERVER_NODE_FLAGS : [];
  return script.endsWith('.js') ? [...flags, script] : [...flags, '--import', 'tsx', script];
}

/** Runs `script` with `env` and resolves once GET `readyPath` answers 200. */
export async function startServer(script: string, env: NodeJS.ProcessEnv, port: number, readyPath: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, nodeArgsFor(script), {
    cwd: repoRoot,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${readyPath}`);
      if (response.status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${script} did not become ready on port ${port}`);
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

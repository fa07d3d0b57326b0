// The real server (src/server.ts, what `npm start` runs) in a child process, for tests that need
// several replicas, signals or a crash: it listens on 127.0.0.1 on a port of the system's choice,
// found in its "Server listening at" log line. Its pino lines are kept, parsed, so a test can wait
// for one (a request it has in flight, the start of a shutdown) instead of sleeping.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FIXTURES_DIR } from './fixtures.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let emptyDir: string | undefined;
/** One empty folder per test process, removed when it exits. */
function emptyWorkingDir(): string {
  if (emptyDir === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-cwd-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    emptyDir = dir;
  }
  return emptyDir;
}

/** One parsed pino line of the server's stdout. */
export type LogLine = Record<string, unknown> & { readonly msg?: string };

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const LISTENING = /^Server listening at http:\/\/127\.0\.0\.1:(\d+)$/;

export class ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Settles when the process has exited, with its code or the signal that ended it. */
  readonly exited: Promise<Exit>;
  private readonly log: LogLine[];
  private readonly stderr: string[];
  private readonly logWaiters = new Set<() => void>();

  private constructor(child: ChildProcess, port: number, log: LogLine[], stderr: string[], exited: Promise<Exit>) {
    this.child = child;
    this.port = port;
    this.log = log;
    this.stderr = stderr;
    this.exited = exited;
  }

  /**
   * Starts `node --import tsx src/server.ts` with the PyTorch fixtures as MODELS_DIR and info logs,
   * plus `env`; resolves once it listens and GET /readyz answers 200 (`ready: false`: once it
   * listens). Rejects with its output when it exits before that, or is not ready in 30 s.
   * Waiting for readiness matters on a loaded machine: a start that blocks the event loop for
   * longer than the Redis connect timeout makes the first connection attempt time out, and the
   * store is up only after the client's reconnect, which /readyz reports, as a load balancer sees it.
   * It runs in `cwd`, by default an empty folder, so a developer's .env in the checkout (which the
   * server reads from its working directory) never changes what a test starts.
   */
  static async start(env: Record<string, string> = {}, { cwd = emptyWorkingDir(), ready = true }: { cwd?: string; ready?: boolean } = {}): Promise<ServerProcess> {
    const server = await ServerProcess.listening(env, cwd);
    if (ready) await server.waitUntilReady();
    return server;
  }

  private static listening(env: Record<string, string>, cwd: string): Promise<ServerProcess> {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'server.ts')], {
      cwd,
      env: { ...process.env, MODELS_DIR: FIXTURES_DIR, API_KEYS: '', LOG_LEVEL: 'info', ...env, HOST: '127.0.0.1', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log: LogLine[] = [];
    const stderr: string[] = [];
    const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    let server: ServerProcess | undefined;
    return new Promise((resolve, reject) => {
      let pending = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        for (const text of lines) {
          const line = parseLine(text);
          log.push(line);
          const listening = typeof line.msg === 'string' ? LISTENING.exec(line.msg) : null;
          if (listening !== null && server === undefined) {
            server = new ServerProcess(child, Number(listening[1]), log, stderr, exited);
            resolve(server);
          }
          server?.wakeLogWaiters();
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
      void exited.then((exit) => {
        server?.wakeLogWaiters();
        if (server === undefined) {
          reject(new Error(`the server exited (${exit.code ?? exit.signal}) before it listened:\n${describeOutput(log, stderr)}`));
        }
      });
    });
  }

  /** Polls GET /readyz until it answers 200; throws with the last answer and the output after 30 s. */
  async waitUntilReady(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) break;
      try {
        const response = await fetch(`${this.baseUrl}/readyz`);
        last = `${response.status} ${await response.text()}`;
        if (response.status === 200) return;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the server did not become ready (GET /readyz: ${last}):\n${this.output()}`);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The log lines so far. */
  get lines(): readonly LogLine[] {
    return this.log;
  }

  /** The first log line (already written or still to come) that `matches`; rejects if the process exits first. */
  async waitForLog(matches: (line: LogLine) => boolean, what: string): Promise<LogLine> {
    for (;;) {
      const found = this.log.find(matches);
      if (found !== undefined) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`the server exited without logging ${what}:\n${this.output()}`);
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.logWaiters.delete(wake);
          resolve();
        };
        this.logWaiters.add(wake);
      });
    }
  }

  /** Sends `signal` (SIGTERM: graceful shutdown; SIGKILL: a crash; SIGSTOP: frozen). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ends the process if it still runs (SIGKILL: tests do not wait for a drain) and waits for its exit. */
  async stop(): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    return this.exited;
  }

  /** What the process wrote, for failure messages. */
  output(): string {
    return describeOutput(this.log, this.stderr);
  }

  private wakeLogWaiters(): void {
    for (const wake of [...this.logWaiters]) wake();
  }
}

function parseLine(text: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) return parsed as LogLine;
  } catch {
    // not pino's: kept as text
  }
  return { msg: text };
}

function describeOutput(log: readonly LogLine[], stderr: readonly string[]): string {
  return [...log.map((line) => JSON.stringify(line)), ...stderr].join('\n');
}

// What the benches need from Redis and from /proc: a Redis to point the server at (a private
// redis-server on a free port when one is installed, so other users of the shared Redis neither
// disturb its command counts nor get disturbed; REDIS_URL wins when set), the commands it ran
// (INFO commandstats, before and after a row), and a process's CPU time.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from './child-server.js';

export interface BenchRedis {
  readonly url: string;
  /** redis-server's process id when it runs on this machine (for its CPU time). */
  readonly pid: number | undefined;
  /** Where it came from, for the table's title. */
  readonly description: string;
  stop(): Promise<void>;
}

/** A Redis for the bench, or undefined (with the reason printed) when none answers. */
export async function benchRedis(): Promise<BenchRedis | undefined> {
  if (process.env.REDIS_URL === undefined && hasRedisServer()) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const url = `redis://127.0.0.1:${port}`;
    for (let attempt = 0; attempt < 50; attempt++) {
      const probe = await probeRedis(url);
      if (probe.answers) return { url, pid: probe.pid, description: `a private redis-server on port ${port}`, stop: () => stopProcess(child) };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await stopProcess(child);
  }
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const probe = await probeRedis(url);
  if (!probe.answers) {
    console.log(`(no Redis answered at ${url}: the redis rows are skipped)`);
    return undefined;
  }
  return { url, pid: probe.pid, description: `${url} (shared: other clients' commands are counted too)`, stop: async () => {} };
}

function hasRedisServer(): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => existsSync(`${dir}/redis-server`));
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Whether Redis answers at `url` and, when it runs on this machine, its process id. */
async function probeRedis(url: string): Promise<{ answers: boolean; pid?: number }> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info('server');
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
    const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
    return local && Number.isInteger(pid) ? { answers: true, pid } : { answers: true };
  } catch {
    return { answers: false };
  } finally {
    client.disconnect();
  }
}

/** Calls per command so far (INFO commandstats), the probe's own INFO and CONFIG calls left out. */
export async function commandCounts(url: string): Promise<Map<string, number>> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const info = await client.info('commandstats');
    const counts = new Map<string, number>();
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (match[1] === 'info' || match[1]!.startsWith('client') || match[1] === 'hello') continue;
      counts.set(match[1]!, Number(match[2]));
    }
    return counts;
  } finally {
    client.disconnect();
  }
}

/** Commands run between two commandCounts, per command, dropping the ones that did not change. */
export function commandsBetween(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [name, calls] of after) {
    const ran = calls - (before.get(name) ?? 0);
    if (ran > 0) delta.set(name, ran);
  }
  return delta;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let deleted = 0;
    for await (const keys of client.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await client.del(...keys);
    }
    return deleted;
  } finally {
    await client.quit();
  }
}

/** CPU seconds a process has used so far, from /proc (Linux); undefined elsewhere. */
export function cpuSeconds(pid: number | undefined): number | undefined {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return undefined;
  // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime
  // are the 12th and 13th, in clock ticks of 1/100 s on Linux.
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The load average line of `uptime`: the machine is shared, so every table says how busy it was. */
export function loadAverage(): string {
  const text = existsSync('/proc/loadavg') ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', ') : 'unknown';
  return `load average ${text}`;
}

/** The server's round trips to its session store so far (rnn_session_store_round_trips_total). */
export async function storeRoundTrips(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const match = /^rnn_session_store_round_trips_total (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  if (match === null) throw new Error(`${baseUrl}/metrics has no rnn_session_store_round_trips_total`);
  return Number(match[1]);
}

/** The p50 of a PING's round trip from this process (ioredis, one at a time), in milliseconds. */
export async function redisPingMillis(url: string, pings = 2000): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const times: number[] = [];
    for (let i = 0; i < pings; i++) {
      const started = performance.now();
      await client.ping();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    client.disconnect();
  }
}

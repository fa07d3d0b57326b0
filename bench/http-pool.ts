// Plain keep-alive HTTP/1.1 requests for the capacity and load benches: `fetch` costs the client
// several times the CPU of node:http, and on a shared two-core machine the load generator's CPU is
// taken from the servers it measures. Two ways to drive: as fast as `concurrency` connections go
// (to create sessions), and open loop at a fixed rate (to step them), where each request's latency
// counts from when it was due, so a stalled server shows as latency rather than as fewer requests.
import { Agent, request } from 'node:http';

export interface JsonAnswer {
  readonly status: number;
  readonly body: string;
}

export class HttpPool {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    connections: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  send(method: string, path: string, body?: string): Promise<JsonAnswer> {
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          method,
          hostname: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `count` jobs, `concurrency` at a time; resolves with their results in order. */
export async function runConcurrently<T>(count: number, concurrency: number, job: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      results[index] = await job(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

export interface OpenLoopResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** The first few failures (status and body), to say what went wrong. */
  readonly failures: readonly string[];
  readonly seconds: number;
  /** Milliseconds from when each request was due to its answer, sorted. */
  readonly latencies: Float64Array;
}

/**
 * Issues job(k) at `rate` per second for `seconds` (request k due at k / rate), without waiting
 * for earlier answers; job answers whether the request succeeded (and a note when it did not).
 */
export async function openLoop(rate: number, seconds: number, job: (index: number) => Promise<string | undefined>): Promise<OpenLoopResult> {
  const total = Math.round(rate * seconds);
  const latencies = new Float64Array(total);
  const failures: string[] = [];
  let ok = 0;
  let failed = 0;
  let issued = 0;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  while (issued < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - started) / 1000) * rate) + 1);
    while (issued < due) {
      const index = issued++;
      const dueAt = started + (index / rate) * 1000;
      const done: Promise<void> = job(index).then(
        (failure) => {
          latencies[index] = performance.now() - dueAt;
          if (failure === undefined) ok++;
          else {
            failed++;
            if (failures.length < 5) failures.push(failure);
          }
        },
        (error: unknown) => {
          latencies[index] = performance.now() - dueAt;
          failed++;
          if (failures.length < 5) failures.push(String(error));
        },
      );
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort();
  return { sent: total, ok, failed, failures, seconds: elapsed, latencies };
}

/** The q-quantile of sorted values. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

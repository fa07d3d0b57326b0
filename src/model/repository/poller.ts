// MODEL_CONTROL=poll: every MODEL_POLL_INTERVAL_MS, scan MODELS_DIR and load what changed.
//
// A scan, not fs.watch: watching is unreliable exactly where models are deployed (NFS and other
// network filesystems send no events, Kubernetes swaps ConfigMap and volume contents by
// relinking a hidden folder, Docker bind mounts on macOS drop events), and Node on Linux cannot
// watch a tree recursively before Node 20.13/22. A scan compares a cheap fingerprint of each
// model folder (names, sizes and modification times, layout.ts), reads no package unless it
// changed, and costs a few stat calls per model. Debounce: a change is loaded only once the
// folder has looked the same for MODEL_POLL_DEBOUNCE_MS, so a copy in progress is not loaded
// half-written (and if it were, the failure would not replace the working version).
import type { ModelRepository } from './model-repository.js';

export interface PollerOptions {
  readonly intervalMs: number;
  readonly debounceMs: number;
  readonly clock?: () => number;
  /** A scan that failed (MODELS_DIR unreadable): logged, and the next scan tries again. */
  readonly onError?: (error: unknown) => void;
}

interface Pending {
  readonly fingerprint: string;
  readonly since: number;
}

export class RepositoryPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly pending = new Map<string, Pending>();
  /** A folder whose load threw (it vanished meanwhile, a dangling link): not retried until it changes. */
  private readonly refused = new Map<string, string>();
  private readonly clock: () => number;
  private stopped = false;

  constructor(
    private readonly repository: ModelRepository,
    private readonly options: PollerOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    if (this.timer !== undefined || this.stopped) return;
    const tick = (): void => {
      this.running = this.scan()
        .catch((error: unknown) => this.options.onError?.(error))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.options.intervalMs).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** One scan: loads models whose folder changed and stayed the same for the debounce, retires removed ones. */
  async scan(): Promise<void> {
    const repository = this.repository;
    const names = new Set(await repository.modelNames());
    const now = this.clock();
    for (const name of names) {
      const { now: current, loaded } = await repository.fingerprints(name);
      if (current === loaded || current === this.refused.get(name)) {
        this.pending.delete(name);
        continue;
      }
      const seen = this.pending.get(name);
      if (seen === undefined || seen.fingerprint !== current) {
        this.pending.set(name, { fingerprint: current, since: now });
        if (this.options.debounceMs > 0) continue;
      } else if (now - seen.since < this.options.debounceMs) {
        continue;
      }
      this.pending.delete(name);
      this.refused.delete(name);
      // A package that fails is recorded in the repository (listed failed); a load that throws
      // is logged once per state of the folder. The scan goes on.
      await repository.loadModel(name).catch((error: unknown) => {
        this.refused.set(name, current);
        this.options.onError?.(error);
      });
    }
    for (const entry of repository.list()) {
      if (!names.has(entry.name)) await repository.removeModel(entry.name);
    }
    repository.sweepRetired();
  }
}

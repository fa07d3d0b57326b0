// Engine jobs in flight per model version, so an unload answers only once the requests that were
// running on a version have finished with it. Requests hold the loaded model they resolved, so a
// version taken out of the repository keeps computing for them; nothing is freed under them.
import type { StepScheduler } from '../../sessions/step-scheduler.js';

const key = (model: string, version: string): string => `${model}\u0000${version}`;

export class InFlightJobs {
  private readonly counts = new Map<string, number>();
  private readonly waiters = new Map<string, (() => void)[]>();

  /** The same scheduler, counting each job from submission to its result. */
  track(inner: StepScheduler): StepScheduler {
    const tracked: StepScheduler = {
      run: async (model, state, inputs, steps) => {
        const done = this.begin(model.name, model.version);
        try {
          return await inner.run(model, state, inputs, steps);
        } finally {
          done();
        }
      },
      close: () => inner.close(),
    };
    const submit = inner.submit?.bind(inner);
    if (submit !== undefined) {
      tracked.submit = (model, state, inputs, steps, callback) => {
        const done = this.begin(model.name, model.version);
        submit(model, state, inputs, steps, (error, result) => {
          done();
          callback(error, result);
        });
      };
    }
    return tracked;
  }

  count(model: string, version: string): number {
    return this.counts.get(key(model, version)) ?? 0;
  }

  /** Resolves once no job of these versions of `model` is in flight. */
  async drained(model: string, versions: Iterable<string>): Promise<void> {
    for (const version of versions) {
      const k = key(model, version);
      if ((this.counts.get(k) ?? 0) === 0) continue;
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(k) ?? [];
        list.push(resolve);
        this.waiters.set(k, list);
      });
    }
  }

  private begin(model: string, version: string): () => void {
    const k = key(model, version);
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.counts.get(k) ?? 1) - 1;
      if (left > 0) {
        this.counts.set(k, left);
        return;
      }
      this.counts.delete(k);
      const waiting = this.waiters.get(k);
      this.waiters.delete(k);
      for (const resolve of waiting ?? []) resolve();
    };
  }
}

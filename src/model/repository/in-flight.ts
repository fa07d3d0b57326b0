// Engine jobs in flight per model version, so an unload answers only once the requests that were
// running on a version have finished with it. Requests hold the loaded model they resolved, so a
// version taken out of the repository keeps computing for them; nothing is freed under them.
import type { StepScheduler } from '../../sessions/step-scheduler.js';
import type { JobDone } from '../../sessions/step-batcher.js';
import type { ServedModel } from '../../service/served-model.js';

interface Counter {
  count: number;
  waiters: (() => void)[];
}

export class InFlightJobs {
  /** model name -> version -> jobs in flight: two lookups per job, no key built. */
  private readonly counters = new Map<string, Map<string, Counter>>();

  /** The same scheduler, counting each job from submission to its result. */
  track(inner: StepScheduler): StepScheduler {
    const tracked: StepScheduler = {
      run: async (model, state, inputs, steps) => {
        const counter = this.begin(model.name, model.version);
        try {
          return await inner.run(model, state, inputs, steps);
        } finally {
          this.end(counter);
        }
      },
      close: () => inner.close(),
    };
    const submit = inner.submit?.bind(inner);
    if (submit !== undefined) {
      tracked.submit = (model, state, inputs, steps, callback) => submit(model, state, inputs, steps, this.counting(model, callback));
    }
    // Every optional path the inner scheduler has must stay: a missing submitSlot would turn
    // resident sessions off (src/sessions/sessions.ts checks for it).
    const submitSlot = inner.submitSlot?.bind(inner);
    if (submitSlot !== undefined) {
      tracked.submitSlot = (model, table, slot, input, callback) => submitSlot(model, table, slot, input, this.counting(model, callback));
    }
    return tracked;
  }

  /** Counts a job of `model` from now until `callback` hears its end. */
  private counting(model: Pick<ServedModel, 'name' | 'version'>, callback: JobDone): JobDone {
    const counter = this.begin(model.name, model.version);
    return (error, result) => {
      this.end(counter);
      callback(error, result);
    };
  }

  count(model: string, version: string): number {
    return this.counters.get(model)?.get(version)?.count ?? 0;
  }

  /** Resolves once no job of these versions of `model` is in flight. */
  async drained(model: string, versions: Iterable<string>): Promise<void> {
    for (const version of versions) {
      const counter = this.counters.get(model)?.get(version);
      if (counter === undefined || counter.count === 0) continue;
      await new Promise<void>((resolve) => counter.waiters.push(resolve));
    }
  }

  private begin(model: string, version: string): Counter {
    let versions = this.counters.get(model);
    if (versions === undefined) {
      versions = new Map();
      this.counters.set(model, versions);
    }
    let counter = versions.get(version);
    if (counter === undefined) {
      counter = { count: 0, waiters: [] };
      versions.set(version, counter);
    }
    counter.count++;
    return counter;
  }

  private end(counter: Counter): void {
    counter.count--;
    if (counter.count > 0 || counter.waiters.length === 0) return;
    const waiting = counter.waiters.splice(0);
    for (const resolve of waiting) resolve();
  }
}

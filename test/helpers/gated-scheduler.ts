// A scheduler for stream tests that need frames to pile up on the server: engine calls wait
// until the test opens the gate, and every call's element count is recorded.
import { createBatchingScheduler } from '../../src/sessions/batching-scheduler.js';
import type { SchedulerObserver, StepScheduler } from '../../src/sessions/step-scheduler.js';

export class GatedScheduler {
  /** Elements per scheduler call, in call order. */
  readonly runs: number[] = [];
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  /** For buildApp's createScheduler option. */
  readonly create = (observer: SchedulerObserver): StepScheduler => {
    const inner = createBatchingScheduler({ observer });
    return {
      run: async (model, state, inputs, steps) => {
        this.runs.push(steps);
        await this.opened;
        return inner.run(model, state, inputs, steps);
      },
      close: () => inner.close(),
    };
  };

  release(): void {
    this.open();
  }
}

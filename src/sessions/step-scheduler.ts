// The seam between the inference service and the engine. The service hands over one job (a
// model, a start state, some inputs) and awaits the result; how jobs reach the engine is the
// scheduler's business. The direct scheduler runs each job at once; a batching scheduler may
// gather concurrent jobs of one model into stepBatch calls (step-batcher.ts).
import type { SlotTable } from './slot-table.js';
import type { JobDone } from './step-batcher.js';
import type { SequenceResult } from '../engine/types.js';
import type { DebugLog } from '../service/debug-log.js';
import type { ServedModel } from '../service/served-model.js';

export interface StepScheduler {
  /**
   * Runs `steps` elements (inputs: steps x input_size) from `state`. The caller's arrays are not
   * modified; the result's arrays are new and belong to the caller.
   */
  run(model: ServedModel, state: Float32Array, inputs: Float32Array, steps: number): Promise<SequenceResult>;
  /**
   * run() with a callback instead of a promise (same arrays, same contract); `done` must not
   * throw. What the single-step path of a session uses, so no promise sits between the engine
   * and the session's write.
   */
  submit?(model: ServedModel, state: Float32Array, inputs: Float32Array, steps: number, done: JobDone): void;
  /**
   * One element for a session resident in `table` (slot-table.ts): x into its row's batch, the
   * batch runs, `done` gets y and the new state (a view valid during the call only; the slot's
   * row is unchanged, committing it is the caller's). The caller pins the slot until `done`.
   * Absent: the scheduler has no resident sessions, steps run from the record's state.
   */
  submitSlot?(model: ServedModel, table: SlotTable, slot: number, input: Float32Array, done: JobDone): void;
  /** Finishes or rejects pending jobs; called when the app closes. */
  close(): Promise<void>;
}

export interface SchedulerObserver {
  /** One engine call: the model, the elements it advanced, and the engine time. */
  onEngineCall(model: string, elements: number, seconds: number): void;
  /** Where a scheduler writes its debug lines (batching decisions), when it has any. */
  readonly log?: DebugLog;
}

/** Runs every job immediately with network.runSequence (the whole input projection in one product). */
export function createDirectScheduler(observer?: SchedulerObserver): StepScheduler {
  const runNow = (model: ServedModel, state: Float32Array, inputs: Float32Array, steps: number): SequenceResult => {
    const started = performance.now();
    const result = model.network.runSequence(inputs, steps, state);
    observer?.onEngineCall(model.name, steps, (performance.now() - started) / 1000);
    return result;
  };
  return {
    async run(model, state, inputs, steps) {
      return runNow(model, state, inputs, steps);
    },
    submit(model, state, inputs, steps, done) {
      let result: SequenceResult;
      try {
        result = runNow(model, state, inputs, steps);
      } catch (error) {
        done(error);
        return;
      }
      done(undefined, result);
    },
    async close() {},
  };
}

// The seam between the inference service and the engine. The service hands over one job (a
// model, a start state, some inputs) and awaits the result; how jobs reach the engine is the
// scheduler's business. The direct scheduler runs each job at once; a batching scheduler may
// gather concurrent jobs of one model into stepBatch calls (src/batching/step-batcher.ts).
import type { SequenceResult } from '../engine/types.js';
import type { DebugLog } from './debug-log.js';
import type { ServedModel } from './served-model.js';

export interface StepScheduler {
  /**
   * Runs `steps` elements (inputs: steps x input_size) from `state`. The caller's arrays are not
   * modified; the result's arrays are new and belong to the caller.
   */
  run(model: ServedModel, state: Float32Array, inputs: Float32Array, steps: number): Promise<SequenceResult>;
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
  return {
    async run(model, state, inputs, steps) {
      const started = performance.now();
      const result = model.network.runSequence(inputs, steps, state);
      observer?.onEngineCall(model.name, steps, (performance.now() - started) / 1000);
      return result;
    },
    async close() {},
  };
}

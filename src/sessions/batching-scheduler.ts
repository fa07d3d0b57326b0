// The default scheduler: every job goes through its model's StepBatcher, so the steps of
// different sessions (REST, WebSocket, generation alike) that are ready in the same event-loop
// turn run as one batched engine step. There is no fixed wait: a batcher flushes on
// setImmediate, so a lone job pays one macrotask hop and nothing more.
//
// One batcher per loaded network (keyed weakly by the network object, so a reloaded package
// gets a fresh batcher and the old one is collected with its network).
import { StepBatcher, type StepBatcherOptions } from './step-batcher.js';
import type { RecurrentNetwork } from '../engine/types.js';
import type { ServiceMetrics } from '../metrics.js';
import { isDebugOn } from '../service/debug-log.js';
import type { ServedModel } from '../service/served-model.js';
import type { SchedulerObserver, StepScheduler } from './step-scheduler.js';

export interface BatchingSchedulerOptions {
  /** Receives the engine time of every engine call (rnn_step_duration_seconds). */
  readonly observer?: SchedulerObserver;
  /** rnn_batch_size and rnn_batch_queue_seconds are observed here when given. */
  readonly metrics?: Pick<ServiceMetrics, 'batchSize' | 'queueSeconds'>;
  /** At most this many sessions per engine call (capped by the network's maxBatch). */
  readonly maxBatch?: number;
  /** Elements one job may run per flush before it yields to the others. */
  readonly maxStepsPerFlush?: number;
}

export interface BatchingScheduler extends StepScheduler {
  /** Jobs accepted and not finished yet, over every model (for tests and diagnostics). */
  readonly inFlight: number;
}

export function createBatchingScheduler(options: BatchingSchedulerOptions = {}): BatchingScheduler {
  const { observer, metrics } = options;
  const batchers = new WeakMap<RecurrentNetwork, StepBatcher>();
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];

  const batcherFor = (model: ServedModel): StepBatcher => {
    let batcher = batchers.get(model.network);
    if (batcher === undefined) {
      const name = model.name;
      // Fast series bound to the model label once: an observation is a bucket scan and two adds
      // (prom-client's own children would hash the labels on every one).
      const batchSize = metrics?.batchSize.series({ model: name });
      const queueSeconds = metrics?.queueSeconds.series({ model: name });
      const batcherOptions: StepBatcherOptions = {
        ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
        ...(options.maxStepsPerFlush !== undefined ? { maxStepsPerFlush: options.maxStepsPerFlush } : {}),
        observer: {
          onBatch(sessions, elements, engineSeconds) {
            batchSize?.observe(sessions);
            observer?.onEngineCall(name, elements, engineSeconds);
          },
          onQueued(seconds) {
            queueSeconds?.observe(seconds);
          },
          wantsFlushes: () => isDebugOn(observer?.log),
          onFlush(flush) {
            observer?.log?.debug({ model: name, ...flush }, 'batch flushed');
          },
        },
      };
      batcher = new StepBatcher(model.network, batcherOptions);
      batchers.set(model.network, batcher);
    }
    return batcher;
  };

  const settled = (): void => {
    inFlight--;
    if (inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };

  return {
    run(model, state, inputs, steps) {
      inFlight++;
      const result = batcherFor(model).run(state, inputs, steps);
      // Bookkeeping on a side branch: the caller's promise is the batcher's own (no extra hop).
      result.then(settled, settled);
      return result;
    },
    submit(model, state, inputs, steps, done) {
      inFlight++;
      batcherFor(model).submit(state, inputs, steps, (error, result) => {
        settled();
        done(error, result);
      });
    },
    submitSlot(model, table, slot, input, done) {
      inFlight++;
      batcherFor(model).submitSlot(table, slot, input, (error, result) => {
        settled();
        done(error, result);
      });
    },
    get inFlight() {
      return inFlight;
    },
    /** Resolves once every job accepted so far has finished (batchers flush on their own). */
    close() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}

// Batches the steps of concurrent sessions of one model into single engine calls.
//
// Each job is one session's request: k elements to run from that session's state. Jobs queue up
// while the event loop is busy; the first job to arrive schedules a flush with setImmediate, so a
// lone session pays no fixed wait, and every job that arrived meanwhile joins the same batch.
// A flush advances all its jobs in lockstep, one element per job per engine.stepBatch call;
// jobs finish at different times (ragged lengths) and leave the batch; when one job is left, it
// finishes with runSequence, which projects its remaining inputs in one matrix product.
//
// The per-session ordering lock upstream guarantees a session has at most one job in flight, so
// one batch never holds two steps of one session. A flush does at most `maxStepsPerFlush`
// elements per job, and jobs advancing together at most `maxElementsPerFlush` elements in all;
// the rest is requeued, so long sequences (a batch predict of many) cannot stall the event loop
// and everyone else's single steps for longer than one bounded flush.
import { allFiniteNatively } from '../engine/finite.js';
import type { RecurrentNetwork, SequenceResult } from '../engine/types.js';
import type { SlotTable } from './slot-table.js';

/**
 * Batches larger than this gain little throughput (an LSTM(32,128) costs 1.08 us a row in a batch
 * of 32, 1.14 in one of 64) and make every member wait longer. With an asynchronous store the
 * smaller batch also overlaps: one batch computes while the writes of the one before are in
 * flight (64 streams on one Redis: 36k steps/s in batches of 32, 31k in batches of 64). The
 * server's STEP_BATCH_SESSIONS (default the same) sets it.
 */
const DEFAULT_MAX_BATCH = 32;
/**
 * Lockstep element-steps per flush: 64 sessions x 16 steps. Measured on the bundled GRU (256
 * hidden) about 10 ms of engine time, where 64 x 256 steps blocked the loop for 150 ms.
 */
const DEFAULT_MAX_ELEMENTS_PER_FLUSH = 1024;

export interface BatchObserver {
  /** One engine run: how many sessions it advanced together, and how long the engine took. */
  onBatch(sessions: number, elements: number, engineSeconds: number): void;
  /** Time a job waited between run() and the start of its first engine call. */
  onQueued(seconds: number): void;
  /**
   * Whether to report each flush to onFlush (e.g. debug logging is on); asked once per flush,
   * so a flush costs nothing more when it says no.
   */
  wantsFlushes?(): boolean;
  /** One flush: sessions in it, elements run, jobs requeued unfinished, jobs waiting after it. */
  onFlush?(flush: FlushSummary): void;
}

export interface FlushSummary {
  readonly sessions: number;
  readonly elements: number;
  readonly requeued: number;
  readonly waiting: number;
}

export interface StepBatcherOptions {
  /** At most this many sessions per engine call (never more than network.maxBatch); default 32. */
  readonly maxBatch?: number;
  /** Elements one job may run per flush before it yields to the others; default 256. */
  readonly maxStepsPerFlush?: number;
  /** Elements all jobs of a lockstep flush may run together (at least one step each); default 1024. */
  readonly maxElementsPerFlush?: number;
  readonly observer?: BatchObserver;
}

/** How a job ends: (undefined, result) or (error). Called once, from the flush that ends it. */
export type JobDone = (error: unknown, result?: SequenceResult) => void;

const NO_STATE = new Float32Array(0);

interface Job {
  readonly inputs: Float32Array;
  readonly steps: number;
  /** The job's own copy of the state, advanced as it runs (empty for a resident job). */
  readonly state: Float32Array;
  /** A resident job (one element): its state is row `slot` of `table`, read as the batch starts. */
  readonly table: SlotTable | undefined;
  readonly slot: number;
  readonly outputs: Float32Array;
  /** Elements run so far. */
  ran: number;
  readonly enqueuedAt: number;
  started: boolean;
  readonly done: JobDone;
}

export class StepBatcher {
  private readonly network: RecurrentNetwork;
  private readonly maxBatch: number;
  private readonly maxStepsPerFlush: number;
  private readonly maxElementsPerFlush: number;
  private readonly observer: BatchObserver | undefined;
  private queue: Job[] = [];
  private flushScheduled = false;
  /** Elements the current flush has run (for onFlush). */
  private flushElements = 0;
  // Preallocated batch matrices (maxBatch rows each), reused by every flush.
  private readonly x: Float32Array;
  private readonly states: Float32Array;
  private readonly y: Float32Array;
  /** stateRows[r]: row r of states, the view a resident job's done gets (made once, not per step). */
  private readonly stateRows: Float32Array[];
  /** yRows[r]: row r of y, copied out whole for one-element jobs. */
  private readonly yRows: Float32Array[];

  constructor(network: RecurrentNetwork, options: StepBatcherOptions = {}) {
    this.network = network;
    this.maxBatch = Math.max(1, Math.min(options.maxBatch ?? DEFAULT_MAX_BATCH, network.maxBatch));
    this.maxStepsPerFlush = options.maxStepsPerFlush ?? 256;
    this.maxElementsPerFlush = options.maxElementsPerFlush ?? DEFAULT_MAX_ELEMENTS_PER_FLUSH;
    this.observer = options.observer;
    const { inputSize, outputSize } = network.spec;
    this.x = new Float32Array(this.maxBatch * inputSize);
    this.states = new Float32Array(this.maxBatch * network.stateSize);
    this.y = new Float32Array(this.maxBatch * outputSize);
    const S = network.stateSize;
    this.stateRows = Array.from({ length: this.maxBatch }, (_, row) => this.states.subarray(row * S, (row + 1) * S));
    this.yRows = Array.from({ length: this.maxBatch }, (_, row) => this.y.subarray(row * outputSize, (row + 1) * outputSize));
  }

  /** Jobs waiting for the next flush (for tests and diagnostics). */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Runs `steps` elements (inputs: steps x inputSize) from `state`; resolves with the outputs and
   * the new state. The caller's arrays are not modified and may be reused once this resolves.
   */
  run(state: Float32Array, inputs: Float32Array, steps: number): Promise<SequenceResult> {
    return new Promise<SequenceResult>((resolve, reject) => {
      this.submit(state, inputs, steps, (error, result) => (result === undefined ? reject(error) : resolve(result)));
    });
  }

  /**
   * run() without a promise: `done` is called from the flush that finishes the job. For a caller
   * that continues synchronously with the result (the session step's write), so a step costs no
   * promise and no microtask between the engine and the reply. `done` must not throw: the other
   * jobs of the batch are finished after it.
   */
  submit(state: Float32Array, inputs: Float32Array, steps: number, done: JobDone): void {
    this.queue.push({
      inputs,
      steps,
      state: Float32Array.from(state),
      table: undefined,
      slot: -1,
      outputs: new Float32Array(steps * this.network.spec.outputSize),
      ran: 0,
      enqueuedAt: performance.now(),
      started: false,
      done,
    });
    this.scheduleFlush();
  }

  /**
   * One element for a resident session: its state is read from row `slot` of `table` when the
   * batch runs (the caller keeps the slot pinned until `done`), and `done` gets the output, in the
   * slot's output row, and the new state, a view of the batch matrix valid during the call only:
   * the state row of the table is not changed. Committing it (after the guard) is the caller's.
   */
  submitSlot(table: SlotTable, slot: number, input: Float32Array, done: JobDone): void {
    this.queue.push({
      inputs: input,
      steps: 1,
      state: NO_STATE,
      table,
      slot,
      outputs: table.outputRow(slot),
      ran: 0,
      enqueuedAt: performance.now(),
      started: false,
      done,
    });
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.queue.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
    this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
    const now = performance.now();
    for (const job of batch) {
      if (!job.started) {
        job.started = true;
        this.observer?.onQueued((now - job.enqueuedAt) / 1000);
      }
    }
    this.flushElements = 0;
    try {
      if (batch.length === 1) this.advanceAlone(batch[0]!);
      else this.advanceTogether(batch);
    } catch (error) {
      for (const job of batch) if (job.ran < job.steps) job.done(error);
      return;
    }
    // Unfinished jobs go back to the front, ahead of later arrivals: arrival order is kept.
    const unfinished = batch.filter((job) => job.ran < job.steps);
    if (unfinished.length > 0) this.queue = unfinished.concat(this.queue);
    if (this.observer?.wantsFlushes?.() === true) {
      this.observer.onFlush?.({ sessions: batch.length, elements: this.flushElements, requeued: unfinished.length, waiting: this.queue.length });
    }
    this.scheduleFlush();
  }

  /** One job: its next chunk as a whole sequence (input projection in one product). */
  private advanceAlone(job: Job): void {
    if (job.table !== undefined) {
      this.advanceResidentAlone(job, job.table);
      return;
    }
    const { inputSize, outputSize } = this.network.spec;
    const count = Math.min(job.steps - job.ran, this.maxStepsPerFlush);
    const started = performance.now();
    const result = this.network.runSequence(
      job.inputs.subarray(job.ran * inputSize, (job.ran + count) * inputSize),
      count,
      job.state,
    );
    this.observer?.onBatch(1, count, (performance.now() - started) / 1000);
    this.flushElements += count;
    job.outputs.set(result.outputs, job.ran * outputSize);
    job.state.set(result.state);
    job.ran += count;
    if (job.ran === job.steps) finish(job);
  }

  /** A lone resident job: one stepBatch row, in the preallocated matrices (the same bits as runSequence). */
  private advanceResidentAlone(job: Job, table: SlotTable): void {
    this.states.set(table.row(job.slot), 0);
    const started = performance.now();
    this.network.stepBatch(1, job.inputs, this.states, job.outputs);
    this.observer?.onBatch(1, 1, (performance.now() - started) / 1000);
    this.flushElements += 1;
    job.ran = 1;
    const finite = this.allFinite(job.outputs, this.states, 1);
    job.done(undefined, { outputs: job.outputs, state: this.stateRows[0]!, finite });
  }

  /** Whether the first `rows` rows of outputs and of this.states are all finite (false: unknown, or not). */
  private allFinite(outputs: Float32Array, states: Float32Array, rows: number): boolean {
    return (
      allFiniteNatively !== undefined &&
      allFiniteNatively(outputs, rows * this.network.spec.outputSize) &&
      allFiniteNatively(states, rows * this.network.stateSize)
    );
  }

  /** Several jobs in lockstep: row r of the batch matrices belongs to active[r]. */
  private advanceTogether(batch: Job[]): void {
    const { inputSize, outputSize } = this.network.spec;
    const S = this.network.stateSize;
    const active = batch.slice();
    // TypedArray.set from a whole view is a memcpy: about 15 times a loop's speed for 256 floats.
    for (let row = 0; row < active.length; row++) {
      const job = active[row]!;
      this.states.set(job.table === undefined ? job.state : job.table.row(job.slot), row * S);
    }
    const started = performance.now();
    let elements = 0;
    const batchSize = active.length;
    const steps = Math.max(1, Math.min(this.maxStepsPerFlush, Math.floor(this.maxElementsPerFlush / batchSize)));
    for (let step = 0; step < steps && active.length > 1; step++) {
      const B = active.length;
      for (let row = 0; row < B; row++) {
        const job = active[row]!;
        // A one-element job's inputs are that element (no view to make); longer ones are read by offset.
        if (job.inputs.length === inputSize) this.x.set(job.inputs, row * inputSize);
        else copyRow(job.inputs, job.ran * inputSize, this.x, row * inputSize, inputSize);
      }
      this.network.stepBatch(B, this.x, this.states, this.y);
      elements += B;
      // Checked here for the whole batch, before rows move: then no session's guard has to.
      const finite = this.allFinite(this.y, this.states, B);
      // Walk rows backwards so a finished job's row can be filled by the last row (swap-remove).
      for (let row = B - 1; row >= 0; row--) {
        const job = active[row]!;
        if (job.steps === 1) job.outputs.set(this.yRows[row]!);
        else copyRow(this.y, row * outputSize, job.outputs, job.ran * outputSize, outputSize);
        job.ran++;
        if (job.ran === job.steps) {
          // A resident job hears of its new state while it is still in its batch row.
          if (job.table !== undefined) job.done(undefined, { outputs: job.outputs, state: this.stateRows[row]!, finite });
          else job.state.set(this.states.subarray(row * S, (row + 1) * S));
          const last = active.length - 1;
          if (row !== last) {
            active[row] = active[last]!;
            this.states.copyWithin(row * S, last * S, (last + 1) * S);
          }
          active.pop();
          if (job.table === undefined) finish(job);
        }
      }
    }
    this.observer?.onBatch(batchSize, elements, (performance.now() - started) / 1000);
    this.flushElements += elements;
    // Jobs still running keep their state for the next flush (or for advanceAlone below).
    active.forEach((job, row) => job.state.set(this.states.subarray(row * S, (row + 1) * S)));
    // The last one left goes on alone in this flush if the budget allows; else in the next.
    const last = active.length === 1 ? active[0]! : undefined;
    if (last !== undefined && last.ran < last.steps && elements + this.maxStepsPerFlush <= this.maxElementsPerFlush) this.advanceAlone(last);
  }
}

/** Hands a finished job its result (a JobDone never throws: see submit). */
function finish(job: Job): void {
  job.done(undefined, { outputs: job.outputs, state: job.state });
}

/** Copies n floats without creating subarray views (this runs once per session per step). */
function copyRow(from: Float32Array, fromOffset: number, to: Float32Array, toOffset: number, n: number): void {
  for (let i = 0; i < n; i++) to[toOffset + i] = from[fromOffset + i]!;
}

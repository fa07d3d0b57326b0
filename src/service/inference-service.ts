// The one dataplane every transport calls: REST handlers and WebSocket streams only translate
// between their wire format (src/codec/) and these methods: predict, session steps and rollouts
// (generation.ts and forecast.ts drive them). Metrics are recorded here, once. The catalog and
// readiness are apart (catalog.ts, readiness.ts); the methods here only forward to them.
//
// Sessions live in src/sessions/ (Sessions: lifecycle, per-session order, the write protocol and
// the step path through the scheduler); this service supplies what a step means for a model
// (stepRules: the model check, decoding, the request budget, the non-finite guard) and records
// the metrics.
import { randomUUID } from 'node:crypto';
import { decodeSequence, decodeState, type SequenceInput, type SequenceLimits } from '../codec/inputs.js';
import type { SequenceResult } from '../engine/types.js';
import {
  InvalidInputError,
  ModelMismatchError,
  WholeSequenceModelError,
} from '../errors.js';
import type { ServiceMetrics, Transport } from '../metrics.js';
import { denormalizeValues } from '../model/normalization.js';
import type { ModelRepository } from '../model/repository/model-repository.js';
import type { ModelInfo } from '../schemas/models.js';
import { Sessions, type StepRules } from '../sessions/sessions.js';
import type { SessionRecord, SessionStore } from '../sessions/session-store.js';
import { createDirectScheduler, type SchedulerObserver, type StepScheduler } from '../sessions/step-scheduler.js';
import { listModels, modelInfo } from './catalog.js';
import { JSON_SEQUENCES, type BatchNaming } from './batch-naming.js';
import { isDebugOn, type DebugLog } from './debug-log.js';
import { assertFiniteResult } from './finite-results.js';
import { ModelMetrics } from './model-metrics.js';
import { checkReadiness, type ReadinessReport } from './readiness.js';
import { checkBatchSize, checkRequestElements, type RequestBudget } from './request-budget.js';
import { ServedModels, type ModelRef, type ServedModel } from './served-model.js';

export type { ReadinessReport } from './readiness.js';

export interface InferenceServiceOptions {
  readonly registry: ModelRepository;
  readonly store: SessionStore;
  readonly metrics: ServiceMetrics;
  readonly maxSequenceLength: number;
  /** MAX_REQUEST_ELEMENTS: most elements one request runs, over all its sequences (default: no limit). */
  readonly maxRequestElements?: number;
  /** MAX_BATCH_SEQUENCES: most sequences in one batch predict (default: no limit). */
  readonly maxBatchSequences?: number;
  /** The default idle TTL of a session, and the most a client may ask for. */
  readonly sessionTtlSeconds: number;
  /** SESSION_SLOTS: most sessions per model resident in a slot (0: none). Default 4096. */
  readonly sessionSlots?: number;
  /** SESSION_SLOT_IDLE_SECONDS: a resident session unused this long leaves its slot. Default 60. */
  readonly sessionSlotIdleSeconds?: number;
  /** Builds the scheduler; the observer records engine time. Default: createDirectScheduler. */
  readonly createScheduler?: (observer: SchedulerObserver) => StepScheduler;
  /** Epoch milliseconds; give the session store the same clock. */
  readonly clock?: () => number;
  readonly newSessionId?: () => string;
  /** Debug lines of the session lifecycle and the scheduler's batching (LOG_LEVEL=debug). */
  readonly log?: DebugLog;
}

/** One sequence and its optional start state (JSON, validated here). */
export interface PredictInput extends SequenceInput {
  readonly state?: unknown;
}

export interface SequenceOutcome {
  readonly model: ServedModel;
  readonly steps: number;
  /** steps x model.outputSize, denormalized when the package declares it. */
  readonly outputs: Float32Array;
  readonly state: Float32Array;
}

export interface StepInput extends SequenceInput {
  /** Refuse (409, nothing changes) unless the session is at this t. */
  readonly expectedT?: number;
  /** Refuse (400, nothing changes) unless the session belongs to this model (OIP requests name one). */
  readonly model?: string;
}

/** A session step as the sessions module carries it to the rules. */
interface SessionStepRequest {
  readonly input: StepInput;
  readonly transport: Exclude<Transport, 'predict'>;
  readonly expectedT: number | undefined;
}

/**
 * A step's answer. For a single element of a resident session, outputs and state are views of its
 * slot's rows (src/sessions/slot-table.ts), intact for the turn of the event loop the step was
 * answered in: read them in the continuation of the step's await, or copy them.
 */
export interface StepOutcome extends SequenceOutcome {
  /** The session after the step. */
  readonly session: SessionRecord;
}

export interface SessionSnapshot {
  readonly session: SessionRecord;
  readonly model: ServedModel;
}

export interface CreateSessionInput {
  /** The model, at its newest ready version unless the ref names one; the session keeps it. */
  readonly model: ModelRef;
  /** Default: a new random id. A caller-chosen one (OIP sequence_id) may be taken: SESSION_EXISTS. */
  readonly id?: string;
  readonly state?: unknown;
  readonly ttlSeconds?: number;
}

/** Runs elements on one model through the scheduler; the outputs are the network's, not denormalized. */
export type RunElements = (inputs: Float32Array, steps: number, state: Float32Array) => Promise<SequenceResult>;

/**
 * An autoregressive job (generation, forecasting): it chooses its next inputs from its own
 * outputs, so it drives the network itself, through the service's scheduler (src/service/
 * generation.ts, forecast.ts). The service supplies the model, the start state and the metrics.
 */
export interface RolloutJob<R> {
  /** Checks the request against the model; throwing refuses it before anything changes. May run again on a retry. */
  prepare(model: ServedModel): void;
  /** Runs from `state` (read only). On a session it runs again from the new state if another replica wrote meanwhile. */
  execute(model: ServedModel, state: Float32Array, run: RunElements): Promise<RolloutResult<R>>;
}

export interface RolloutResult<R> {
  /** Elements the network consumed: a session's t advances by this. */
  readonly steps: number;
  /** The state after them. */
  readonly state: Float32Array;
  readonly result: R;
}

export interface RolloutOutcome<R> extends RolloutResult<R> {
  readonly model: ServedModel;
}

export interface SessionRolloutOutcome<R> extends RolloutOutcome<R> {
  /** The session after the job. */
  readonly session: SessionRecord;
}

export class InferenceService {
  private readonly registry: ModelRepository;
  private readonly models: ServedModels;
  private readonly store: SessionStore;
  private readonly metrics: ServiceMetrics;
  private readonly scheduler: StepScheduler;
  /** Bidirectional and reverse models: their whole sequence in one runSequence, never through step batching. */
  private readonly wholeSequenceScheduler: StepScheduler;
  private readonly limits: SequenceLimits;
  private readonly budget: RequestBudget;
  private readonly maxBatchSequences: number;
  private readonly sessionTtlSeconds: number;
  private readonly clock: () => number;
  private readonly newSessionId: () => string;
  /** Lifecycle, ordering, the write protocol and the step path of sessions (src/sessions/). */
  private readonly sessions: Sessions<SessionStepRequest, StepOutcome>;
  private readonly modelMetrics: ModelMetrics;
  private readonly log: DebugLog | undefined;
  /** Why the last count of rnn_sessions_active failed (its first try, or its retry); undefined once one counted. */
  lastSessionCountError: unknown;

  constructor(options: InferenceServiceOptions) {
    this.registry = options.registry;
    this.models = new ServedModels(options.registry);
    this.store = options.store;
    this.metrics = options.metrics;
    this.limits = { maxSequenceLength: options.maxSequenceLength };
    this.budget = options.maxRequestElements !== undefined ? { maxRequestElements: options.maxRequestElements } : {};
    this.maxBatchSequences = options.maxBatchSequences ?? Number.MAX_SAFE_INTEGER;
    this.sessionTtlSeconds = options.sessionTtlSeconds;
    this.clock = options.clock ?? Date.now;
    this.newSessionId = options.newSessionId ?? randomUUID;
    this.log = options.log;
    const modelMetrics = (this.modelMetrics = new ModelMetrics(this.metrics));
    const observer: SchedulerObserver = {
      onEngineCall: (model, _elements, seconds) => modelMetrics.for(model).engineSeconds.observe(seconds),
      ...(options.log !== undefined ? { log: options.log } : {}),
    };
    this.scheduler = (options.createScheduler ?? createDirectScheduler)(observer);
    this.wholeSequenceScheduler = createDirectScheduler(observer);
    this.sessions = new Sessions<SessionStepRequest, StepOutcome>({
      store: this.store,
      scheduler: this.scheduler,
      clock: this.clock,
      rules: this.stepRules(),
      ...(options.sessionSlots !== undefined ? { maxSlotsPerModel: options.sessionSlots } : {}),
      ...(options.sessionSlotIdleSeconds !== undefined ? { slotIdleMs: options.sessionSlotIdleSeconds * 1000 } : {}),
    });
    this.store.onExpired((model) => {
      this.metrics.sessionsExpired.inc({ model });
      if (isDebugOn(this.log)) this.log.debug({ model }, 'session expired');
    });
    bindActiveSessionsGauge(this.metrics, this.store, (error) => {
      // Once per run of failures (a store outage fails every scrape until it ends), not per scrape.
      if (error !== undefined && this.lastSessionCountError === undefined) {
        this.log?.warn?.({ err: error }, 'rnn_sessions_active: the session store could not count sessions');
      }
      this.lastSessionCountError = error;
    });
    this.metrics.modelsLoaded.set(this.registry.list().filter((entry) => entry.status === 'ready').length);
    for (const { network } of this.registry.list()) {
      if (network?.engine !== undefined) this.metrics.engineInfo.set({ engine: network.engine.name, isa: network.engine.isa }, 1);
    }
  }

  /** The catalog (catalog.ts), here for the transports that hold only the service. */
  listModels(): ModelInfo[] {
    return listModels(this.registry);
  }

  /** MODEL_NOT_FOUND when no package has this name (or version); failed packages are listed too (catalog.ts). */
  modelInfo(name: string, version?: string): ModelInfo {
    return modelInfo(this.registry, name, version);
  }

  /** The ready model called `name` (MODEL_NOT_FOUND / MODEL_NOT_READY otherwise). */
  model(name: ModelRef): ServedModel {
    return this.models.get(name);
  }

  async predict(modelName: ModelRef, input: PredictInput, transport: Transport = 'predict'): Promise<SequenceOutcome> {
    const model = this.models.get(modelName);
    const { x, steps } = decodeSequence(model, input, this.limits);
    checkRequestElements(this.budget, steps, 'the request has');
    const state = decodeState(model, input.state);
    const result = this.guard(model, await this.schedulerFor(model).run(model, state, x, steps), steps);
    return this.finish(model, result, steps, transport);
  }

  /**
   * Independent sequences of any lengths; all are validated before any runs. `naming` words the
   * errors as the caller's request holds the sequences (default: /v1's `sequences` array).
   */
  async predictBatch(
    modelName: ModelRef,
    sequences: readonly PredictInput[],
    transport: Transport = 'predict',
    naming: BatchNaming = JSON_SEQUENCES,
  ): Promise<SequenceOutcome[]> {
    const model = this.models.get(modelName);
    if (sequences.length === 0) throw new InvalidInputError(`${naming.batch} is empty`);
    checkBatchSize(sequences.length, this.maxBatchSequences, naming.batch);
    let elements = 0;
    const jobs = sequences.map((input, i) => {
      const sequence = decodeSequence(model, input, this.limits, naming.item(i));
      // Checked as they add up, so a batch far over the limit is not decoded to the end.
      elements += sequence.steps;
      checkRequestElements(this.budget, elements, i === sequences.length - 1 ? 'the sequences have' : `${naming.firstItems(i)} already have`);
      return { ...sequence, state: decodeState(model, input.state, `${naming.item(i)}state`) };
    });
    const scheduler = this.schedulerFor(model);
    const results = await Promise.all(
      jobs.map((job, i) => scheduler.run(model, job.state, job.x, job.steps).then((result) => this.guard(model, result, job.steps, naming.item(i)))),
    );
    return results.map((result, i) => this.finish(model, result, jobs[i]!.steps, transport));
  }

  async createSession(input: CreateSessionInput): Promise<SessionRecord> {
    const model = this.models.get(input.model);
    refuseWholeSequence(model, 'a session (or a stream, which opens one)');
    const ttlSeconds = input.ttlSeconds ?? this.sessionTtlSeconds;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > this.sessionTtlSeconds) {
      throw new InvalidInputError(
        `ttl_seconds ${ttlSeconds} is not an integer in 1..${this.sessionTtlSeconds} (the server's SESSION_TTL_SECONDS)`,
      );
    }
    const state = decodeState(model, input.state);
    const now = this.clock();
    const session: SessionRecord = {
      id: input.id ?? this.newSessionId(),
      model: model.name,
      modelIdentity: model.identity,
      modelVersion: model.version,
      t: 0,
      version: 0,
      state,
      createdAt: now,
      ttlSeconds,
      expiresAt: now + ttlSeconds * 1000,
    };
    await this.sessions.create(session);
    this.metrics.sessionsCreated.inc({ model: model.name });
    if (isDebugOn(this.log)) this.log.debug({ session: session.id, model: model.name, ttlSeconds }, 'session created');
    return session;
  }

  /** The session and the model that reads its state. */
  async getSession(id: string): Promise<SessionSnapshot> {
    const session = await this.sessions.get(id);
    const model = this.models.forSession(session);
    // Same package, or at least the same state shape: the state can still be shown.
    if (session.modelIdentity !== model.identity && session.state.length !== model.stateSize) {
      throw mismatch(session, model);
    }
    return { session, model };
  }

  /** Feeds elements to a session, after every earlier request to it, and advances its t. */
  step(id: string, input: StepInput, transport: Exclude<Transport, 'predict'> = 'session'): Promise<StepOutcome> {
    return this.sessions.step(id, { input, transport, expectedT: input.expectedT });
  }

  /** Runs an autoregressive job from `state` (JSON {h, c?}; zeros when absent). */
  async rollout<R>(modelName: ModelRef, state: unknown, job: RolloutJob<R>, transport: Transport = 'predict'): Promise<RolloutOutcome<R>> {
    const model = this.models.get(modelName);
    refuseWholeSequence(model, 'generate or forecast');
    job.prepare(model);
    const outcome = await job.execute(model, decodeState(model, state), this.runOn(model));
    this.modelMetrics.for(model.name).stepsOn(transport).inc(outcome.steps);
    return { ...outcome, model };
  }

  /** The same from a session's state, ordered and checked like step; the session advances by the job's steps. */
  rolloutInSession<R>(
    id: string,
    expectedT: number | undefined,
    job: RolloutJob<R>,
    transport: Extract<Transport, 'session' | 'stream'> = 'session',
  ): Promise<SessionRolloutOutcome<R>> {
    return (async () => {
      let model: ServedModel | undefined;
      let outcome: RolloutResult<R> | undefined;
      const session = await this.sessions.update(id, expectedT, {
        validate: (current) => {
          model = this.models.forSession(current);
          if (current.modelIdentity !== model.identity) throw mismatch(current, model);
          job.prepare(model);
        },
        compute: async (current) => {
          outcome = await job.execute(model!, current.state, this.keepingAlive(current, this.runOn(model!)));
          return { t: current.t + outcome.steps, state: outcome.state };
        },
      });
      this.modelMetrics.for(model!.name).stepsOn(transport).inc(outcome!.steps);
      return { ...outcome!, model: model!, session };
    })();
  }

  /** Back to t = 0 from `state` (zeros when absent), bound to the package loaded now. */
  reset(id: string, state?: unknown): Promise<SessionRecord> {
    return (async () => {
      let model: ServedModel | undefined;
      let initial: Float32Array | undefined;
      const session = await this.sessions.update(id, undefined, {
        validate: (current) => {
          model = this.models.get(current.model);
          initial ??= decodeState(model, state);
        },
        // Resetting discards the old state, so a session of an older package or version moves
        // to the current one: the way out of MODEL_MISMATCH and MODEL_VERSION_UNLOADED.
        compute: async () => ({ modelIdentity: model!.identity, modelVersion: model!.version, t: 0, state: initial! }),
      });
      if (isDebugOn(this.log)) this.log.debug({ session: id, model: session.model }, 'session reset');
      return session;
    })();
  }

  /** Keeps a session alive without writing it (Sessions.touch). */
  touch(id: string, renewWithinMs: number): Promise<SessionRecord> {
    return this.sessions.touch(id, renewWithinMs);
  }

  /** Epoch milliseconds by the clock session expiry is measured with. */
  now(): number {
    return this.clock();
  }

  async deleteSession(id: string): Promise<void> {
    await this.sessions.delete(id);
    if (isDebugOn(this.log)) this.log.debug({ session: id }, 'session deleted');
  }

  /** Models loaded and the store answering (readiness.ts). */
  readiness(): Promise<ReadinessReport> {
    return checkReadiness(this.registry, this.store);
  }

  /** Sessions with a write queued or running in this process (the queue forgets idle ones). */
  get sessionsInFlight(): number {
    return this.sessions.inFlight;
  }

  /** Sessions resident in a slot now, over every model (diagnostics and tests). */
  get sessionsResident(): number {
    return this.sessions.resident;
  }

  isResident(id: string): boolean {
    return this.sessions.isResident(id);
  }

  /** Evicts the resident sessions idle for SESSION_SLOT_IDLE_SECONDS now (the reaper does it every second). */
  evictIdleSessions(): void {
    this.sessions.evictIdle();
  }

  async close(): Promise<void> {
    await this.scheduler.close();
    this.sessions.close();
  }

  /** What a session step means here: the model check, decoding and the budget; the non-finite guard. */
  private stepRules(): StepRules<SessionStepRequest, StepOutcome> {
    return {
      prepare: (current, { input }) => {
        if (input.model !== undefined && current.model !== input.model) {
          throw new InvalidInputError(`session '${current.id}' belongs to model '${current.model}', not '${input.model}'`);
        }
        const model = this.models.forSession(current);
        if (current.modelIdentity !== model.identity) throw mismatch(current, model);
        const { x, steps } = decodeSequence(model, input, this.limits);
        checkRequestElements(this.budget, steps, 'the request has');
        return { model, x, steps };
      },
      accept: (prepared, result) => {
        this.guard(prepared.model, result, prepared.steps);
      },
      answer: ({ transport }, { model, steps }, result, session) => {
        this.modelMetrics.for(model.name).stepsOn(transport).inc(steps);
        return { model, steps, outputs: result.outputs, state: result.state, session };
      },
    };
  }

  private schedulerFor(model: ServedModel): StepScheduler {
    return model.wholeSequence ? this.wholeSequenceScheduler : this.scheduler;
  }

  /**
   * Denormalizes a sequence's outputs in place (the result's arrays are ours: StepScheduler
   * contract), then refuses a result that overflowed: the one guard every engine result passes
   * before anything is answered or written. Synchronous, so it adds no await to a step.
   */
  private guard(model: ServedModel, result: SequenceResult, steps: number, where = ''): SequenceResult {
    if (model.outputNormalization !== undefined) denormalizeValues(model.outputNormalization, result.outputs);
    // Checked already for its whole batch (src/engine/finite.ts), unless denormalizing changed it.
    else if (result.finite === true) return result;
    assertFiniteResult(model, result.outputs, steps, result.state, where);
    return result;
  }

  /**
   * `run`, renewing the session (no write: store.renew) whenever half its TTL has passed since
   * the job read it: a rollout runs many engine calls (a generate of 1000 tokens) and may last
   * longer than a short TTL, and its result must still find the session to be stored in. One
   * closure per job; per call, one clock read and a comparison.
   */
  private keepingAlive(session: SessionRecord, run: RunElements): RunElements {
    const halfTtlMs = session.ttlSeconds * 500;
    let renewAt = session.expiresAt - halfTtlMs;
    return (inputs, steps, state) => {
      const now = this.clock();
      if (now >= renewAt) {
        renewAt = now + halfTtlMs;
        // A store that is away or a session deleted meanwhile is reported by the job's own write.
        this.sessions.renewSoon(session.id, now + 2 * halfTtlMs);
      }
      return run(inputs, steps, state);
    };
  }

  /** Rollouts read the network's own outputs (they denormalize what they answer), guarded the same way. */
  private runOn(model: ServedModel): RunElements {
    return (inputs, steps, state) =>
      this.scheduler.run(model, state, inputs, steps).then((result) => {
        assertFiniteResult(model, result.outputs, steps, result.state);
        return result;
      });
  }

  private finish(model: ServedModel, result: SequenceResult, steps: number, transport: Transport): SequenceOutcome {
    this.modelMetrics.for(model.name).stepsOn(transport).inc(steps);
    return { model, steps, outputs: result.outputs, state: result.state };
  }
}

/** WHOLE_SEQUENCE_MODEL for a bidirectional or reverse model: it cannot run element by element. */
function refuseWholeSequence(model: ServedModel, what: string): void {
  if (!model.wholeSequence) return;
  const kind = model.config.direction === 'bidirectional' ? 'bidirectional' : 'a reverse-direction model';
  throw new WholeSequenceModelError(
    `model '${model.name}' is ${kind}: each output depends on the elements after it, so it runs whole sequences ` +
      `only (POST /v1/models/${model.name}/predict); ${what} needs a model that runs step by step`,
  );
}

function mismatch(session: SessionRecord, model: ServedModel): Error {
  return new ModelMismatchError(
    `session '${session.id}' was created with another package of model '${model.name}' than the one loaded now; reset it or create a new session`,
  );
}

/** A failed count of rnn_sessions_active is tried again after this long, once. */
const COUNT_RETRY_MS = 50;

/** rnn_sessions_active reads the store when scraped, so it is right whichever replica wrote last. */
function bindActiveSessionsGauge(metrics: ServiceMetrics, store: SessionStore, onCount: (error: unknown) => void): void {
  const roundTrips = metrics.storeRoundTrips;
  (roundTrips as typeof roundTrips & { collect?: () => void }).collect = () => {
    roundTrips.reset();
    roundTrips.inc(store.roundTrips ?? 0);
  };
  const gauge = metrics.sessionsActive;
  // prom-client calls a metric's `collect` (when set) before reading it at each scrape.
  (gauge as typeof gauge & { collect?: () => Promise<void> }).collect = async () => {
    let counts: Map<string, number>;
    try {
      // Once more after a failure: a scrape every 15 s that misses a sample for one failed
      // command (a redirection lost in a race, a timeout) shows as a gap on every dashboard.
      counts = await store.countByModel().catch(async (error: unknown) => {
        onCount(error);
        await new Promise((resolve) => setTimeout(resolve, COUNT_RETRY_MS));
        return store.countByModel();
      });
    } catch (error) {
      // The store is away (readiness says why): no sample rather than a stale one, and the
      // rest of /metrics still answers, which an outage is when it is needed most.
      onCount(error);
      gauge.reset();
      return;
    }
    onCount(undefined);
    gauge.reset();
    for (const [model, count] of counts) gauge.set({ model }, count);
  };
}

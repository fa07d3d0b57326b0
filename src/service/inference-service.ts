// The one dataplane every transport calls: REST handlers and WebSocket streams only translate
// between their wire format (src/codec/) and these methods: predict, session steps and rollouts
// (generation.ts and forecast.ts drive them). Metrics are recorded here, once. The catalog and
// readiness are apart (catalog.ts, readiness.ts); the methods here only forward to them.
//
// Sessions (src/sessions/): every write to a session runs in a per-session FIFO queue (one request
// at a time, in arrival order, within this process) and lands with a compare-and-set on the
// record's version, so a replica sharing the store cannot be overwritten either. A write starts
// from the record the store holds for this process (served) when there is one: no read, one round
// trip with Redis; a stale one fails its compare-and-set and the write is redone from a fresh read.
// Everything is validated before the first write: a refused request leaves the session exactly
// as it was.
import { randomUUID } from 'node:crypto';
import { decodeSequence, decodeState, type SequenceInput, type SequenceLimits } from '../codec/inputs.js';
import type { SequenceResult } from '../engine/types.js';
import {
  InvalidInputError,
  ModelMismatchError,
  SequenceConflictError,
  SessionNotFoundError,
  WholeSequenceModelError,
} from '../errors.js';
import type { ServiceMetrics, Transport } from '../metrics.js';
import { denormalizeValues } from '../model/normalization.js';
import type { ModelRegistry } from '../model/registry.js';
import type { ModelInfo } from '../schemas/models.js';
import { KeyedSerialQueue } from '../sessions/session-order.js';
import type { SessionRecord, SessionStore } from '../sessions/session-store.js';
import { createDirectScheduler, type SchedulerObserver, type StepScheduler } from '../sessions/step-scheduler.js';
import { listModels, modelInfo } from './catalog.js';
import { isDebugOn, type DebugLog } from './debug-log.js';
import { assertFiniteResult } from './finite-results.js';
import { ModelMetrics } from './model-metrics.js';
import { checkReadiness, type ReadinessReport } from './readiness.js';
import { checkBatchSize, checkRequestElements, type RequestBudget } from './request-budget.js';
import { ServedModels, type ModelRef, type ServedModel } from './served-model.js';

export type { ReadinessReport } from './readiness.js';

export interface InferenceServiceOptions {
  readonly registry: ModelRegistry;
  readonly store: SessionStore;
  readonly metrics: ServiceMetrics;
  readonly maxSequenceLength: number;
  /** MAX_REQUEST_ELEMENTS: most elements one request runs, over all its sequences (default: no limit). */
  readonly maxRequestElements?: number;
  /** MAX_BATCH_SEQUENCES: most sequences in one batch predict (default: no limit). */
  readonly maxBatchSequences?: number;
  /** The default idle TTL of a session, and the most a client may ask for. */
  readonly sessionTtlSeconds: number;
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

interface SessionUpdate {
  /** Throws to refuse the request before anything changes. */
  validate(current: SessionRecord): void;
  /** The fields that change (version and expiresAt are set by write). */
  compute(current: SessionRecord): Promise<Pick<SessionRecord, 't' | 'state'> & Partial<Pick<SessionRecord, 'modelIdentity' | 'modelVersion'>>>;
}

/** Compare-and-set retries when another replica keeps writing the same session. */
const MAX_WRITE_ATTEMPTS = 16;

export class InferenceService {
  private readonly registry: ModelRegistry;
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
  private readonly sessionQueue = new KeyedSerialQueue();
  private readonly modelMetrics: ModelMetrics;
  private readonly log: DebugLog | undefined;

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
    this.store.onExpired((model) => {
      this.metrics.sessionsExpired.inc({ model });
      if (isDebugOn(this.log)) this.log.debug({ model }, 'session expired');
    });
    bindActiveSessionsGauge(this.metrics, this.store);
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

  /** The ready model `name` names, at its version or the newest (MODEL_NOT_FOUND / MODEL_NOT_READY otherwise). */
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

  /** Independent sequences of any lengths; all are validated before any runs. */
  async predictBatch(modelName: ModelRef, sequences: readonly PredictInput[], transport: Transport = 'predict'): Promise<SequenceOutcome[]> {
    const model = this.models.get(modelName);
    if (sequences.length === 0) throw new InvalidInputError('sequences is empty');
    checkBatchSize(sequences.length, this.maxBatchSequences);
    let elements = 0;
    const jobs = sequences.map((input, i) => {
      const sequence = decodeSequence(model, input, this.limits, `sequences[${i}].`);
      // Checked as they add up, so a batch far over the limit is not decoded to the end.
      elements += sequence.steps;
      checkRequestElements(this.budget, elements, i === sequences.length - 1 ? 'the sequences have' : `sequences[0..${i}] already have`);
      return { ...sequence, state: decodeState(model, input.state, `sequences[${i}].state`) };
    });
    const scheduler = this.schedulerFor(model);
    const results = await Promise.all(
      jobs.map((job, i) => scheduler.run(model, job.state, job.x, job.steps).then((result) => this.guard(model, result, job.steps, `sequences[${i}].`))),
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
    await this.store.create(session);
    this.metrics.sessionsCreated.inc({ model: model.name });
    if (isDebugOn(this.log)) this.log.debug({ session: session.id, model: model.name, ttlSeconds }, 'session created');
    return session;
  }

  /** The session and the model that reads its state. */
  async getSession(id: string): Promise<SessionSnapshot> {
    const session = await this.requireSession(id);
    const model = this.models.forSession(session);
    // Same package, or at least the same state shape: the state can still be shown.
    if (session.modelIdentity !== model.identity && session.state.length !== model.stateSize) {
      throw mismatch(session, model);
    }
    return { session, model };
  }

  /** Feeds elements to a session, after every earlier request to it, and advances its t. */
  step(id: string, input: StepInput, transport: Exclude<Transport, 'predict'> = 'session'): Promise<StepOutcome> {
    if (!this.sessionQueue.has(id)) {
      const held = this.store.served?.(id);
      if (held !== undefined) {
        const outcome = this.stepHeld(id, held, input, transport);
        if (outcome !== undefined) return outcome;
      }
    }
    return this.sessionQueue.run(id, () => this.stepNow(id, input, transport));
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
    return this.sessionQueue.run(id, async () => {
      let model: ServedModel | undefined;
      let outcome: RolloutResult<R> | undefined;
      const session = await this.write(id, expectedT, {
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
    });
  }

  /** Back to t = 0 from `state` (zeros when absent), bound to the package loaded now. */
  reset(id: string, state?: unknown): Promise<SessionRecord> {
    return this.sessionQueue.run(id, async () => {
      let model: ServedModel | undefined;
      let initial: Float32Array | undefined;
      const session = await this.write(id, undefined, {
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
    });
  }

  /**
   * Keeps a session alive without changing it: when it would expire within `renewWithinMs`, its
   * idle TTL restarts. For a transport that holds a session open (WebSocket streams), idle or
   * busy. Not queued behind the session's requests, and no write: version, t and state stay, so
   * a request running on the session meanwhile still stores its result (a renewal queued behind
   * a 2 s generate came too late for a TTL of 1 s). Answers the session as it is now (its new
   * expiresAt); SESSION_NOT_FOUND when it is gone.
   */
  async touch(id: string, renewWithinMs: number): Promise<SessionRecord> {
    const current = await this.requireSession(id);
    const now = this.clock();
    if (current.expiresAt - now > renewWithinMs) return current;
    const expiresAt = now + current.ttlSeconds * 1000;
    if (!(await this.store.renew(id, expiresAt))) throw sessionNotFound(id);
    return { ...current, expiresAt: Math.max(expiresAt, current.expiresAt) };
  }

  /** Epoch milliseconds by the clock session expiry is measured with. */
  now(): number {
    return this.clock();
  }

  async deleteSession(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw sessionNotFound(id);
    if (isDebugOn(this.log)) this.log.debug({ session: id }, 'session deleted');
  }

  /** Models loaded and the store answering (readiness.ts). */
  readiness(): Promise<ReadinessReport> {
    return checkReadiness(this.registry, this.store);
  }

  /** Sessions with a write queued or running in this process (the queue forgets idle ones). */
  get sessionsInFlight(): number {
    return this.sessionQueue.size;
  }

  async close(): Promise<void> {
    await this.scheduler.close();
  }

  /**
   * The step path when nothing else is pending for the session and the store holds its record:
   * validate and decode now, hand the job to the scheduler with a callback, and write from that
   * callback (synchronously with an in-process store), so the caller's promise is the only one.
   * Undefined when the request must take the general path: a refusal is left to stepNow (which
   * checks it against a fresh read, then answers it), and so is a failed compare-and-set.
   */
  private stepHeld(id: string, held: SessionRecord, input: StepInput, transport: Exclude<Transport, 'predict'>): Promise<StepOutcome> | undefined {
    let model: ServedModel;
    let decoded: { x: Float32Array; steps: number };
    try {
      // Every refusal is stepNow's to answer: the same checks, against a fresh read.
      if (input.model !== undefined && held.model !== input.model) return undefined;
      model = this.models.forSession(held);
      if (held.modelIdentity !== model.identity) return undefined;
      if (input.expectedT !== undefined && input.expectedT !== held.t) return undefined;
      decoded = decodeSequence(model, input, this.limits);
      checkRequestElements(this.budget, decoded.steps, 'the request has');
    } catch {
      return undefined;
    }
    const { steps } = decoded;
    // Set once the executor has returned; a scheduler that finishes synchronously (the direct
    // one) settles before it, and then there is no hold to release.
    let promise: Promise<StepOutcome> | undefined = undefined;
    let settledNow = false;
    const release = (): void => {
      if (promise === undefined) settledNow = true;
      else this.sessionQueue.release(id, promise);
    };
    promise = new Promise<StepOutcome>((resolve, reject) => {
      const done = (error: unknown, result?: SequenceResult): void => {
        try {
          if (result === undefined) throw error;
          // The one guard every engine result passes before anything is written. A refusal is
          // stepNow's to answer (from a fresh read: a held Redis record may be stale).
          try {
            this.guard(model, result, steps);
          } catch {
            const again = this.stepNow(id, input, transport);
            again.then(release, release);
            resolve(again);
            return;
          }
          const next: SessionRecord = {
            ...held,
            t: held.t + steps,
            version: held.version + 1,
            expiresAt: this.clock() + held.ttlSeconds * 1000,
            state: result.state,
          };
          const answer = (): StepOutcome => ({ ...this.finish(model, result, steps, transport), session: next });
          const written = this.store.compareAndSetNow?.(id, held.version, next);
          if (written === 'ok') {
            release();
            resolve(answer());
            return;
          }
          // A remote store, or the record was stale: the rest takes promises anyway. The session
          // stays held (later requests wait) until this one is answered.
          const rest =
            written === undefined
              ? this.store.compareAndSet(id, held.version, next).then((outcome) => (outcome === 'ok' ? answer() : this.stepNow(id, input, transport)))
              : this.stepNow(id, input, transport);
          rest.then(release, release);
          resolve(rest);
        } catch (failure) {
          release();
          reject(failure);
        }
      };
      const scheduler = this.scheduler;
      if (scheduler.submit !== undefined) scheduler.submit(model, held.state, decoded.x, steps, done);
      else scheduler.run(model, held.state, decoded.x, steps).then((result) => done(undefined, result), done);
    });
    return settledNow ? promise : this.sessionQueue.hold(id, promise);
  }

  private async stepNow(id: string, input: StepInput, transport: Exclude<Transport, 'predict'>): Promise<StepOutcome> {
    let model: ServedModel | undefined;
    let decoded: { x: Float32Array; steps: number } | undefined;
    let result: SequenceResult | undefined;
    const session = await this.write(id, input.expectedT, {
      validate: (current) => {
        if (input.model !== undefined && current.model !== input.model) {
          throw new InvalidInputError(`session '${id}' belongs to model '${current.model}', not '${input.model}'`);
        }
        model = this.models.forSession(current);
        if (current.modelIdentity !== model.identity) throw mismatch(current, model);
        // Decoded once: a retry after a conflict recomputes from the new state, same inputs.
        // Kept only once it passed every check: validate runs again (on a fresh read) after a
        // refusal of a held record, and must refuse again.
        if (decoded === undefined) {
          const sequence = decodeSequence(model, input, this.limits);
          checkRequestElements(this.budget, sequence.steps, 'the request has');
          decoded = sequence;
        }
      },
      compute: async (current) => {
        result = this.guard(model!, await this.scheduler.run(model!, current.state, decoded!.x, decoded!.steps), decoded!.steps);
        return { t: current.t + decoded!.steps, state: result.state };
      },
    });
    return { ...this.finish(model!, result!, decoded!.steps, transport), session };
  }

  /**
   * Read-modify-write of one session by compare-and-set. On every attempt: read, validate
   * (throwing refuses the request), check expectedT, compute the change, write if nobody wrote
   * meanwhile. A conflict is a 409 with expectedT (the client decides), else retried.
   */
  private async write(id: string, expectedT: number | undefined, update: SessionUpdate): Promise<SessionRecord> {
    // The first attempt starts from the record this process holds (no read; one round trip with
    // Redis); it may be stale, so a refusal is only final once checked against a fresh read, and
    // a stale one fails its compare-and-set, after which every attempt reads first.
    let held = this.store.served?.(id);
    for (let attempt = 1; ; attempt++) {
      const current = held ?? (await this.requireSession(id));
      try {
        update.validate(current);
        if (expectedT !== undefined && expectedT !== current.t) {
          throw new SequenceConflictError(
            `expected_t is ${expectedT} but session '${id}' is at t = ${current.t}; nothing was changed`,
          );
        }
      } catch (error) {
        if (held === undefined) throw error;
        held = undefined;
        attempt--;
        continue;
      }
      held = undefined;
      const change = await update.compute(current);
      const next: SessionRecord = {
        ...current,
        ...change,
        version: current.version + 1,
        expiresAt: this.clock() + current.ttlSeconds * 1000,
      };
      const outcome = await this.store.compareAndSet(id, current.version, next);
      if (outcome === 'ok') return next;
      if (outcome === 'missing') throw sessionNotFound(id);
      if (expectedT !== undefined || attempt >= MAX_WRITE_ATTEMPTS) {
        throw new SequenceConflictError(`session '${id}' was changed by another request meanwhile; nothing was changed, retry`);
      }
    }
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
        this.store.renew(session.id, now + 2 * halfTtlMs).catch(() => {});
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

  private async requireSession(id: string): Promise<SessionRecord> {
    const session = await this.store.get(id);
    if (session === undefined) throw sessionNotFound(id);
    return session;
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

function sessionNotFound(id: string): Error {
  return new SessionNotFoundError(`session '${id}' does not exist or has expired`);
}

function mismatch(session: SessionRecord, model: ServedModel): Error {
  return new ModelMismatchError(
    `session '${session.id}' was created with another package of model '${model.name}' than the one loaded now; reset it or create a new session`,
  );
}

/** rnn_sessions_active reads the store when scraped, so it is right whichever replica wrote last. */
function bindActiveSessionsGauge(metrics: ServiceMetrics, store: SessionStore): void {
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
      counts = await store.countByModel();
    } catch {
      // The store is away (readiness says why): no sample rather than a stale one, and the
      // rest of /metrics still answers, which an outage is when it is needed most.
      gauge.reset();
      return;
    }
    gauge.reset();
    for (const [model, count] of counts) gauge.set({ model }, count);
  };
}

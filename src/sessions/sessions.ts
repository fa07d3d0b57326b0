// The one home of a session's life in this process: create, read, touch, delete, and every
// write (steps, rollouts, resets), each in its session's arrival order (session-order.ts) and
// landing by the write protocol (write-protocol.ts) against the store, the steps through the
// scheduler that batches them (step-scheduler.ts). What a session's inputs mean and what the
// engine's result must satisfy (decoding, the model check, the non-finite guard) are the
// caller's rules (StepRules): the inference service's.
import type { SequenceResult } from '../engine/types.js';
import type { ServedModel } from '../service/served-model.js';
import { KeyedSerialQueue } from './session-order.js';
import type { SessionRecord, SessionStore } from './session-store.js';
import type { StepScheduler } from './step-scheduler.js';
import { checkExpectedT, nextRecord, requireSession, sessionNotFound, writeSession, type SessionUpdate } from './write-protocol.js';

/** A step's elements, decoded for the model that runs the session. */
export interface PreparedStep {
  readonly model: ServedModel;
  /** steps x model.inputSize. */
  readonly x: Float32Array;
  readonly steps: number;
}

/** What a step request means for a session, and what its result must satisfy. */
export interface StepRules<I> {
  /**
   * Checks `input` against the session (model, identity, budget) and decodes it; throwing
   * refuses the request before anything changes. Pure: may run again on a fresh read.
   */
  prepare(current: SessionRecord, input: I): PreparedStep;
  /**
   * The guard every engine result passes before anything is written (may fix the outputs in
   * place, e.g. denormalize them); throwing refuses the request and leaves the session as it was.
   */
  accept(prepared: PreparedStep, result: SequenceResult): void;
}

export interface StepRequest<I> {
  readonly input: I;
  /** Refuse (409, nothing changes) unless the session is at this t. */
  readonly expectedT?: number | undefined;
}

export interface SessionStepResult {
  /** The session after the step. */
  readonly session: SessionRecord;
  readonly prepared: PreparedStep;
  readonly result: SequenceResult;
}

export interface SessionsOptions<I> {
  readonly store: SessionStore;
  readonly scheduler: StepScheduler;
  readonly rules: StepRules<I>;
  /** Epoch milliseconds; the store's clock. */
  readonly clock: () => number;
}

export class Sessions<I> {
  private readonly store: SessionStore;
  private readonly scheduler: StepScheduler;
  private readonly rules: StepRules<I>;
  private readonly clock: () => number;
  private readonly order = new KeyedSerialQueue();

  constructor(options: SessionsOptions<I>) {
    this.store = options.store;
    this.scheduler = options.scheduler;
    this.rules = options.rules;
    this.clock = options.clock;
  }

  /** Stores a new session (TOO_MANY_SESSIONS, SESSION_EXISTS from the store). */
  create(record: SessionRecord): Promise<void> {
    return this.store.create(record);
  }

  /** The session as stored now; SESSION_NOT_FOUND when unknown or expired. */
  get(id: string): Promise<SessionRecord> {
    return requireSession(this.store, id);
  }

  /** Feeds elements to a session, after every earlier request to it, and advances its t. */
  step(id: string, request: StepRequest<I>): Promise<SessionStepResult> {
    if (!this.order.has(id)) {
      const held = this.store.served?.(id);
      if (held !== undefined) {
        const outcome = this.stepHeld(id, held, request);
        if (outcome !== undefined) return outcome;
      }
    }
    return this.order.run(id, () => this.stepNow(id, request));
  }

  /** Any other write (a rollout, a reset), in the session's order, by the write protocol. */
  update(id: string, expectedT: number | undefined, update: SessionUpdate): Promise<SessionRecord> {
    return this.order.run(id, () => writeSession(this.store, this.clock, id, expectedT, update));
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
    const current = await this.get(id);
    const now = this.clock();
    if (current.expiresAt - now > renewWithinMs) return current;
    const expiresAt = now + current.ttlSeconds * 1000;
    if (!(await this.store.renew(id, expiresAt))) throw sessionNotFound(id);
    return { ...current, expiresAt: Math.max(expiresAt, current.expiresAt) };
  }

  /** Renews without a write (store.renew); a session gone meanwhile is reported by the next write. */
  renewSoon(id: string, expiresAt: number): void {
    this.store.renew(id, expiresAt).catch(() => {});
  }

  /** SESSION_NOT_FOUND when the session did not exist. */
  async delete(id: string): Promise<void> {
    if (!(await this.store.delete(id))) throw sessionNotFound(id);
  }

  /** Sessions with a write queued or running in this process (the queue forgets idle ones). */
  get inFlight(): number {
    return this.order.size;
  }

  /**
   * The step path when nothing else is pending for the session and the store holds its record:
   * validate and decode now, hand the job to the scheduler with a callback, and write from that
   * callback (synchronously with an in-process store), so the caller's promise is the only one.
   * Undefined when the request must take the general path: a refusal is left to stepNow (which
   * checks it against a fresh read, then answers it), and so is a failed compare-and-set.
   */
  private stepHeld(id: string, held: SessionRecord, request: StepRequest<I>): Promise<SessionStepResult> | undefined {
    let prepared: PreparedStep;
    try {
      // Every refusal is stepNow's to answer: the same checks, against a fresh read.
      checkExpectedT(id, request.expectedT, held);
      prepared = this.rules.prepare(held, request.input);
    } catch {
      return undefined;
    }
    // Set once the executor has returned; a scheduler that finishes synchronously (the direct
    // one) settles before it, and then there is no hold to release.
    let promise: Promise<SessionStepResult> | undefined = undefined;
    let settledNow = false;
    const release = (): void => {
      if (promise === undefined) settledNow = true;
      else this.order.release(id, promise);
    };
    promise = new Promise<SessionStepResult>((resolve, reject) => {
      const done = (error: unknown, result?: SequenceResult): void => {
        try {
          if (result === undefined) throw error;
          // A refusal is stepNow's to answer (from a fresh read: a held Redis record may be stale).
          try {
            this.rules.accept(prepared, result);
          } catch {
            const again = this.stepNow(id, request);
            again.then(release, release);
            resolve(again);
            return;
          }
          const next = nextRecord(held, { t: held.t + prepared.steps, state: result.state }, this.clock());
          const answer: SessionStepResult = { session: next, prepared, result };
          const written = this.store.compareAndSetNow?.(id, held.version, next);
          if (written === 'ok') {
            release();
            resolve(answer);
            return;
          }
          // A remote store, or the record was stale: the rest takes promises anyway. The session
          // stays held (later requests wait) until this one is answered.
          const rest =
            written === undefined
              ? this.store.compareAndSet(id, held.version, next).then((outcome) => (outcome === 'ok' ? answer : this.stepNow(id, request)))
              : this.stepNow(id, request);
          rest.then(release, release);
          resolve(rest);
        } catch (failure) {
          release();
          reject(failure);
        }
      };
      const { model, x, steps } = prepared;
      const scheduler = this.scheduler;
      if (scheduler.submit !== undefined) scheduler.submit(model, held.state, x, steps, done);
      else scheduler.run(model, held.state, x, steps).then((result) => done(undefined, result), done);
    });
    return settledNow ? promise : this.order.hold(id, promise);
  }

  /** The general step: the write protocol, from the held record or a fresh read. */
  private async stepNow(id: string, request: StepRequest<I>): Promise<SessionStepResult> {
    let prepared: PreparedStep | undefined;
    let result: SequenceResult | undefined;
    const session = await writeSession(this.store, this.clock, id, request.expectedT, {
      validate: (current) => {
        prepared = this.rules.prepare(current, request.input);
      },
      compute: async (current) => {
        const { model, x, steps } = prepared!;
        result = await this.scheduler.run(model, current.state, x, steps);
        this.rules.accept(prepared!, result);
        return { t: current.t + steps, state: result.state };
      },
    });
    return { session, prepared: prepared!, result: result! };
  }
}

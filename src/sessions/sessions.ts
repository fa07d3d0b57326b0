// The one home of a session's life in this process: create, read, touch, delete, and every
// write (steps, rollouts, resets), each in its session's arrival order (session-order.ts) and
// landing by the write protocol (write-protocol.ts) against the store, the steps through the
// scheduler that batches them (step-scheduler.ts). What a session's inputs mean and what the
// engine's result must satisfy (decoding, the model check, the non-finite guard) are the
// caller's rules (StepRules): the inference service's.
//
// Resident sessions (slot-table.ts): a single-element step of a session runs from its slot, a
// row of its model's state matrix, and its new state is committed into the row only once the
// guard passed and the write landed. With the memory store the row IS the session's state while
// it is resident (the record keeps t, version and expiry; its state array is the one the session
// entered the slot with), so every other path settles the session first: an eviction writes the
// row back into the record. With Redis every step writes the row, so an eviction only frees it.
import type { RecurrentNetwork, SequenceResult } from '../engine/types.js';
import type { ServedModel } from '../service/served-model.js';
import { KeyedSerialQueue } from './session-order.js';
import { SlotTable } from './slot-table.js';
import type { CompareAndSetDone, SessionRecord, SessionStore } from './session-store.js';
import type { StepScheduler } from './step-scheduler.js';
import { checkExpectedT, requireSession, sessionNotFound, steppedRecord, writeSession, type SessionUpdate } from './write-protocol.js';

/** A step's elements, decoded for the model that runs the session. */
export interface PreparedStep {
  readonly model: ServedModel;
  /** steps x model.inputSize. */
  readonly x: Float32Array;
  readonly steps: number;
}

/** A step request: whatever the caller's rules read, plus the one field the protocol checks. */
export interface StepRequest {
  /** Refuse (409, nothing changes) unless the session is at this t. */
  readonly expectedT?: number | undefined;
}

/** What a step request means for a session, what its result must satisfy, and what it answers. */
export interface StepRules<R extends StepRequest, O> {
  /**
   * Checks the request against the session (model, identity, budget) and decodes it; throwing
   * refuses the request before anything changes. Pure: may run again on a fresh read.
   */
  prepare(current: SessionRecord, request: R): PreparedStep;
  /**
   * The guard every engine result passes before anything is written (may fix the outputs in
   * place, e.g. denormalize them); throwing refuses the request and leaves the session as it was.
   */
  accept(prepared: PreparedStep, result: SequenceResult): void;
  /**
   * The answer of a step that landed, built synchronously where it landed (no promise between
   * the write and the caller). `session` is the session after the step; with a resident session
   * its state and result.state are views of its slot's row, valid for the rest of this turn of
   * the event loop (the slot stays pinned until then).
   */
  answer(request: R, prepared: PreparedStep, result: SequenceResult, session: SessionRecord): O;
}

export interface SessionsOptions<R extends StepRequest, O> {
  readonly store: SessionStore;
  readonly scheduler: StepScheduler;
  readonly rules: StepRules<R, O>;
  /** Epoch milliseconds; the store's clock. */
  readonly clock: () => number;
  /** Most resident sessions per model (SESSION_SLOTS); 0: none, every step runs from its record. Default 4096. */
  readonly maxSlotsPerModel?: number;
  /** A resident session unused this long is evicted (SESSION_SLOT_IDLE_SECONDS x 1000). Default 60 s. */
  readonly slotIdleMs?: number;
}

const DEFAULT_SLOTS_PER_MODEL = 4096;
const DEFAULT_SLOT_IDLE_MS = 60_000;

export class Sessions<R extends StepRequest, O> {
  private readonly store: SessionStore;
  private readonly scheduler: StepScheduler;
  private readonly rules: StepRules<R, O>;
  private readonly clock: () => number;
  private readonly order = new KeyedSerialQueue();
  private readonly maxSlots: number;
  private readonly slotIdleMs: number;
  /** The slot table of each loaded network (a reloaded package gets a fresh one). */
  private readonly tables = new WeakMap<RecurrentNetwork, SlotTable>();
  /** Tables with resident sessions, for the idle reaper. */
  private readonly liveTables = new Set<SlotTable>();
  /** Which table a resident session is in. */
  private readonly residentIn = new Map<string, SlotTable>();
  /** The store is in this process: a resident session's row is its only current state. */
  private readonly localStore: boolean;
  private readonly reaper: NodeJS.Timeout | undefined;

  constructor(options: SessionsOptions<R, O>) {
    this.store = options.store;
    this.scheduler = options.scheduler;
    this.rules = options.rules;
    this.clock = options.clock;
    this.maxSlots = this.scheduler.submitSlot === undefined ? 0 : (options.maxSlotsPerModel ?? DEFAULT_SLOTS_PER_MODEL);
    this.slotIdleMs = options.slotIdleMs ?? DEFAULT_SLOT_IDLE_MS;
    this.localStore = this.store.compareAndSetNow !== undefined;
    if (this.maxSlots > 0) {
      this.reaper = setInterval(() => this.evictIdle(), Math.max(10, Math.min(1000, this.slotIdleMs)));
      this.reaper.unref();
    }
  }

  /** Stores a new session (TOO_MANY_SESSIONS, SESSION_EXISTS from the store). */
  create(record: SessionRecord): Promise<void> {
    // A slot left by an expired session of this id (caller-chosen ids are reused) is not this one's.
    if (this.store.served?.(record.id) === undefined) this.dropSlot(record.id);
    return this.store.create(record);
  }

  /** The session as it is now (a resident one with its slot's state); SESSION_NOT_FOUND when unknown or expired. */
  async get(id: string): Promise<SessionRecord> {
    const record = await requireSession(this.store, id);
    const table = this.residentIn.get(id);
    const slot = table?.find(id, record.version, record.createdAt, this.clock()) ?? -1;
    return slot < 0 ? record : { ...record, state: table!.row(slot).slice() };
  }

  /** Feeds elements to a session, after every earlier request to it, and advances its t. */
  step(id: string, request: R): Promise<O> {
    if (!this.order.has(id)) {
      const held = this.store.served?.(id);
      if (held !== undefined) {
        const outcome = this.stepHeld(id, held, request);
        if (outcome !== undefined) return outcome;
      }
    }
    return this.order.run(id, () => this.stepInTurn(id, request));
  }

  /**
   * A step that waited for the session's earlier requests (its turn in the queue, which holds the
   * session meanwhile): from its slot when it is a single element of a session this process
   * holds, else by the write protocol.
   */
  private stepInTurn(id: string, request: R): Promise<O> {
    const held = this.maxSlots > 0 ? this.store.served?.(id) : undefined;
    if (held !== undefined) {
      let prepared: PreparedStep | undefined;
      try {
        checkExpectedT(id, request.expectedT, held);
        prepared = this.rules.prepare(held, request);
      } catch {
        prepared = undefined; // stepNow answers it, from a fresh read
      }
      if (prepared?.steps === 1) {
        const resident = this.stepResident(id, held, prepared, request, false);
        if (resident !== undefined) return resident;
      }
    }
    return this.stepNow(id, request);
  }

  /** Any other write (a rollout, a reset), in the session's order, by the write protocol. */
  update(id: string, expectedT: number | undefined, update: SessionUpdate): Promise<SessionRecord> {
    return this.order.run(id, () => {
      this.settle(id);
      return writeSession(this.store, this.clock, id, expectedT, update);
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
    this.dropSlot(id);
    if (!(await this.store.delete(id))) throw sessionNotFound(id);
  }

  /** Sessions with a write queued or running in this process (the queue forgets idle ones). */
  get inFlight(): number {
    return this.order.size;
  }

  /** Sessions resident in a slot, over every model (for tests and diagnostics). */
  get resident(): number {
    return this.residentIn.size;
  }

  /** Whether the session is resident in a slot now. */
  isResident(id: string): boolean {
    return this.residentIn.has(id);
  }

  /** Evicts the resident sessions idle for slotIdleMs (the reaper's tick; tests call it). */
  evictIdle(): void {
    const before = this.clock() - this.slotIdleMs;
    for (const table of this.liveTables) {
      table.reap(before);
      if (table.size === 0) this.liveTables.delete(table);
    }
  }

  /** Writes every resident session back to its record and stops the reaper (the app closes). */
  close(): void {
    if (this.reaper !== undefined) clearInterval(this.reaper);
    for (const table of this.liveTables) table.evictAll();
    this.liveTables.clear();
  }

  /**
   * The step path when nothing else is pending for the session and the store holds its record:
   * validate and decode now, hand the job to the scheduler with a callback, and write from that
   * callback (synchronously with an in-process store), so the caller's promise is the only one.
   * Undefined when the request must take the general path: a refusal is left to stepNow (which
   * checks it against a fresh read, then answers it), and so is a failed compare-and-set.
   */
  private stepHeld(id: string, held: SessionRecord, request: R): Promise<O> | undefined {
    let prepared: PreparedStep;
    try {
      // Every refusal is stepNow's to answer: the same checks, against a fresh read.
      checkExpectedT(id, request.expectedT, held);
      prepared = this.rules.prepare(held, request);
    } catch {
      return undefined;
    }
    if (prepared.steps === 1 && this.maxSlots > 0) {
      const resident = this.stepResident(id, held, prepared, request, true);
      if (resident !== undefined) return resident;
    }
    if (this.residentIn.has(id)) {
      // Several elements: they run from the record, so the record must hold the state first.
      this.settle(id);
      const settled = this.store.served?.(id);
      if (settled === undefined) return undefined;
      held = settled;
    }
    // Set once the executor has returned; a scheduler that finishes synchronously (the direct
    // one) settles before it, and then there is no hold to release.
    let promise: Promise<O> | undefined = undefined;
    let settledNow = false;
    const release = (): void => {
      if (promise === undefined) settledNow = true;
      else this.order.release(id, promise);
    };
    promise = new Promise<O>((resolve, reject) => {
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
          const next = steppedRecord(held, held.t + prepared.steps, result.state, this.clock());
          const written = this.store.compareAndSetNow?.(id, held.version, next);
          if (written === 'ok') {
            release();
            resolve(this.rules.answer(request, prepared, result, next));
            return;
          }
          // A remote store, or the record was stale: the rest takes promises anyway. The session
          // stays held (later requests wait) until this one is answered.
          const rest =
            written === undefined
              ? this.store.compareAndSet(id, held.version, next).then((outcome) => (outcome === 'ok' ? this.rules.answer(request, prepared, result, next) : this.stepNow(id, request)))
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

  /**
   * A single element from the session's slot: it takes one on its first step (loaded from the
   * record), the batch reads the row, and the new state is committed into the row once the guard
   * passed and the write landed (memory store: before the commit, synchronously; Redis: the row's
   * bytes go in the compare-and-set, and a failed one drops the slot). A refusal and a failed
   * write are stepNow's, from the record. Undefined when no slot can be had now (all pinned).
   */
  private stepResident(id: string, held: SessionRecord, prepared: PreparedStep, request: R, holdOrder = true): Promise<O> | undefined {
    const table = this.tableFor(prepared.model);
    const now = this.clock();
    let slot = table.find(id, held.version, held.createdAt, now);
    if (slot < 0) {
      const other = this.residentIn.get(id);
      if (other !== undefined && other !== table) {
        // Its model's network was replaced (a reload): the state moves through the record.
        other.evict(id);
        const settled = this.store.served?.(id);
        if (settled === undefined || settled.version !== held.version) return undefined;
        held = settled;
      }
      slot = table.take(id, held.version, held.createdAt, held.state, now);
      if (slot < 0) return undefined;
      this.residentIn.set(id, table);
      this.liveTables.add(table);
    }
    table.pin(slot);
    let promise: Promise<O> | undefined = undefined;
    let settledNow = false;
    // In its turn (holdOrder false) the queue holds the session for the task already.
    const release = !holdOrder
      ? (): void => {}
      : (): void => {
          if (promise === undefined) settledNow = true;
          else this.order.release(id, promise);
        };
    const fallBack = (resolve: (value: Promise<O>) => void): void => {
      const again = this.stepNow(id, request);
      again.then(release, release);
      resolve(again);
    };
    promise = new Promise<O>((resolve, reject) => {
      // The slot stays pinned while its output row is still to be read (the Redis write's answer).
      let pinned = true;
      const unpin = (): void => {
        if (pinned) table.unpin(slot);
        pinned = false;
      };
      const done = (error: unknown, result?: SequenceResult): void => {
        try {
          if (result === undefined) throw error;
          try {
            this.rules.accept(prepared, result);
          } catch {
            unpin();
            fallBack(resolve); // the row is unchanged: the session is as it was
            return;
          }
          if (this.localStore) {
            // The record keeps its state array (the row is the state): no copy in the store.
            const now = this.clock();
            const next = steppedRecord(held, held.t + 1, held.state, now);
            if (!table.owns(id, slot) || this.store.compareAndSetNow!(id, held.version, next) !== 'ok') {
              unpin();
              this.dropSlot(id);
              fallBack(resolve);
              return;
            }
            table.commit(id, slot, result.state, 0, next.version);
            const state = table.row(slot);
            // The answer is the slot's rows: pinned until the caller's continuation read them.
            pinned = false;
            table.unpinAfterTurn(slot);
            release();
            resolve(this.rules.answer(request, prepared, { outputs: result.outputs, state }, steppedRecord(held, next.t, state, now)));
            return;
          }
          // Redis: the row's bytes are the write; the row is committed now and dropped if the
          // write fails, so it never holds a state the store does not.
          const state = result.state.slice();
          const next = steppedRecord(held, held.t + 1, state, this.clock());
          table.commit(id, slot, state, 0, next.version);
          const outputs = result.outputs;
          // Answered from the write's callback: no promise between the write and the caller's.
          this.compareAndSetThen(id, held.version, next, (failure, outcome) => {
            if (outcome === 'ok') {
              let answer: O;
              try {
                answer = this.rules.answer(request, prepared, { outputs, state }, next);
              } catch (error) {
                unpin();
                release();
                reject(error);
                return;
              }
              // The answer is the slot's rows: pinned until the caller's continuation read them.
              if (pinned) table.unpinAfterTurn(slot);
              pinned = false;
              release();
              resolve(answer);
              return;
            }
            this.dropSlot(id);
            unpin();
            if (outcome === undefined) {
              release();
              reject(failure);
              return;
            }
            fallBack(resolve); // a conflict or a missing session: from a fresh read
          });
        } catch (failure) {
          unpin();
          release();
          reject(failure);
        }
      };
      this.scheduler.submitSlot!(prepared.model, table, slot, prepared.x, done);
    });
    return settledNow || !holdOrder ? promise : this.order.hold(id, promise);
  }

  /** The store's compare-and-set with a callback (its own, or its promise's). */
  private compareAndSetThen(id: string, expectedVersion: number, next: SessionRecord, done: CompareAndSetDone): void {
    if (this.store.compareAndSetThen !== undefined) {
      this.store.compareAndSetThen(id, expectedVersion, next, done);
      return;
    }
    this.store.compareAndSet(id, expectedVersion, next).then(
      (result) => done(undefined, result),
      (error: unknown) => done(error),
    );
  }

  /** The slot table of the model's network. */
  private tableFor(model: ServedModel): SlotTable {
    let table = this.tables.get(model.network);
    if (table === undefined) {
      table = new SlotTable({
        stateSize: model.stateSize,
        outputSize: model.outputSize,
        initialSlots: model.network.maxBatch,
        maxSlots: this.maxSlots,
        evict: (id, version, createdAt, row) => this.writeBack(id, version, createdAt, row),
      });
      this.tables.set(model.network, table);
    }
    return table;
  }

  /** Evicts the session from its slot, if it has one, so its record holds its state. */
  private settle(id: string): void {
    this.residentIn.get(id)?.evict(id);
  }

  /** Frees the session's slot without a write-back (deleted, or its row is not the store's). */
  private dropSlot(id: string): void {
    const table = this.residentIn.get(id);
    if (table === undefined) return;
    table.drop(id);
    this.residentIn.delete(id);
  }

  /**
   * An evicted row goes back into the record it is of (memory store; same version, same expiry:
   * an eviction is no use of the session). Redis holds every step's row already.
   */
  private writeBack(id: string, version: number, createdAt: number, row: Float32Array): void {
    this.residentIn.delete(id);
    if (!this.localStore) return;
    const record = this.store.served?.(id);
    if (record === undefined || record.version !== version || record.createdAt !== createdAt) return;
    this.store.compareAndSetNow!(id, version, { ...record, state: row.slice() });
  }

  /** The general step: the write protocol, from the held record or a fresh read. */
  private async stepNow(id: string, request: R): Promise<O> {
    this.settle(id);
    let prepared: PreparedStep | undefined;
    let result: SequenceResult | undefined;
    const session = await writeSession(this.store, this.clock, id, request.expectedT, {
      validate: (current) => {
        prepared = this.rules.prepare(current, request);
      },
      compute: async (current) => {
        const { model, x, steps } = prepared!;
        result = await this.scheduler.run(model, current.state, x, steps);
        this.rules.accept(prepared!, result);
        return { t: current.t + steps, state: result.state };
      },
    });
    return this.rules.answer(request, prepared!, result!, session);
  }
}

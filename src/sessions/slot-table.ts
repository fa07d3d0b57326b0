// Resident sessions of one model: a slot is a row of this table's state matrix, and the state of
// a session being stepped lives there (Triton's sequence batcher keeps it in the same place). A
// step reads its row into the batch, and its new state is committed back into the row once the
// result passed the guard; between steps nothing is copied in or out. A session takes a slot on
// its first step and keeps it while it is used; an idle one (idle time, or the least recently used
// when the table is full) is evicted: `evict` hands its row to the owner (who writes it back to
// the session's record when the store needs it) and the slot is free again.
//
// A slot also has an output row: a resident step's outputs are written there from the batch, so
// a step allocates no output array; they change with the session's next step, like its state.
// Both rows are handed out as views made once per slot (no subarray per step). A step that
// answers with them unpins its slot only after the current turn of the event loop
// (unpinAfterTurn): its caller reads them in a continuation, and another session's continuation
// may run first and need a slot.
//
// A slot remembers which record its row belongs to (createdAt and version): a row is only used
// for a record it matches, so a session written by another path meanwhile (a reset, a replica
// sharing Redis) is loaded again from its record instead.

/** Called for an evicted slot: its row (a view, valid during the call) and whose it was. */
export type EvictSlot = (id: string, version: number, createdAt: number, row: Float32Array) => void;

export interface SlotTableOptions {
  /** Values per state (the model's stateSize). */
  readonly stateSize: number;
  /** Values per output row (the model's outputSize). */
  readonly outputSize: number;
  /** Rows allocated at first (the batch capacity); the table doubles on demand up to maxSlots. */
  readonly initialSlots: number;
  /** Most resident sessions (SESSION_SLOTS). */
  readonly maxSlots: number;
  readonly evict: EvictSlot;
}

export class SlotTable {
  private readonly stateSize: number;
  private readonly outputSize: number;
  private readonly maxSlots: number;
  private readonly evictSlot: EvictSlot;
  private rows: Float32Array;
  private outputs: Float32Array;
  /** stateViews[slot] is rows' row `slot`, outputViews[slot] outputs' (remade when the table grows). */
  private stateViews: Float32Array[] = [];
  private outputViews: Float32Array[] = [];
  private capacity: number;
  private readonly slotOf = new Map<string, number>();
  private readonly ids: (string | undefined)[] = [];
  private readonly versions: number[] = [];
  private readonly createdAts: number[] = [];
  private readonly lastUsed: number[] = [];
  /** Jobs in flight that read the row: a pinned slot is never evicted. */
  private readonly pins: number[] = [];
  private readonly free: number[] = [];
  /** Slots whose answers are being read this turn: unpinned by unpinDeferred (setImmediate). */
  private readonly unpinLater: number[] = [];
  private unpinScheduled = false;
  /** Slots handed out so far (the rest of the capacity is unused rows). */
  private used = 0;

  constructor(options: SlotTableOptions) {
    this.stateSize = options.stateSize;
    this.outputSize = options.outputSize;
    this.maxSlots = Math.max(1, options.maxSlots);
    this.evictSlot = options.evict;
    this.capacity = Math.max(1, Math.min(options.initialSlots, this.maxSlots));
    this.rows = new Float32Array(this.capacity * this.stateSize);
    this.outputs = new Float32Array(this.capacity * this.outputSize);
    this.makeViews();
  }

  /** The state matrix (capacity x stateSize); replaced when the table grows, so read it per use. */
  get states(): Float32Array {
    return this.rows;
  }

  /** Resident sessions. */
  get size(): number {
    return this.slotOf.size;
  }

  /** The slot holding the session at this record (createdAt, version), marked used; -1 when none. */
  find(id: string, version: number, createdAt: number, now: number): number {
    const slot = this.slotOf.get(id);
    if (slot === undefined || this.versions[slot] !== version || this.createdAts[slot] !== createdAt) return -1;
    this.lastUsed[slot] = now;
    return slot;
  }

  /** Whether `slot` is still the session's. */
  owns(id: string, slot: number): boolean {
    return this.ids[slot] === id;
  }

  /** Whether the session has a slot (whatever record its row is of). */
  has(id: string): boolean {
    return this.slotOf.has(id);
  }

  /**
   * A slot for the session loaded with `state` (its record's): its own slot when it has one, else
   * a free one, a new one (the table grows up to maxSlots), or the least recently used idle one
   * (evicted). -1 when every slot is pinned by a job in flight.
   */
  take(id: string, version: number, createdAt: number, state: Float32Array, now: number): number {
    let slot = this.slotOf.get(id);
    if (slot === undefined) {
      slot = this.freeSlot();
      if (slot < 0) return -1;
      this.slotOf.set(id, slot);
      this.ids[slot] = id;
      this.pins[slot] = 0;
    }
    this.rows.set(state, slot * this.stateSize);
    this.versions[slot] = version;
    this.createdAts[slot] = createdAt;
    this.lastUsed[slot] = now;
    return slot;
  }

  /**
   * Copies a new state into the slot's row (from[fromOffset..]), now of record `version`; false
   * (nothing copied) when the slot is no longer the session's (it was dropped meanwhile).
   */
  commit(id: string, slot: number, from: Float32Array, fromOffset: number, version: number): boolean {
    if (this.ids[slot] !== id) return false;
    const rows = this.rows;
    const to = slot * this.stateSize;
    // A whole view (a batch row) is one memcpy; an offset into a longer array, a loop (no view made).
    if (fromOffset === 0 && from.length === this.stateSize) rows.set(from, to);
    else for (let i = 0; i < this.stateSize; i++) rows[to + i] = from[fromOffset + i]!;
    this.versions[slot] = version;
    return true;
  }

  /** The slot's row (a view; it changes with the session's next step). */
  row(slot: number): Float32Array {
    return this.stateViews[slot]!;
  }

  /**
   * The slot's output row (a view): the batch writes a resident step's outputs here. It changes
   * with the session's next step, and may be another session's once this one leaves the slot: a
   * caller that awaits anything before it has read the outputs copies them first.
   */
  outputRow(slot: number): Float32Array {
    return this.outputViews[slot]!;
  }

  pin(slot: number): void {
    this.pins[slot]!++;
  }

  unpin(slot: number): void {
    // A slot dropped while pinned is only free once its last job is done with it.
    if (--this.pins[slot]! === 0 && this.ids[slot] === undefined) this.free.push(slot);
  }

  /**
   * unpin(), once the continuations of this turn of the event loop have run (setImmediate comes
   * after them). For a step answered with views of the slot's rows: the caller reads them after
   * its await, and a continuation that runs before it (another session's step, which takes a
   * slot: with the table full it evicts the least recently used unpinned one and writes its own
   * state into that row) must not find this slot free.
   */
  unpinAfterTurn(slot: number): void {
    this.unpinLater.push(slot);
    if (this.unpinScheduled) return;
    this.unpinScheduled = true;
    setImmediate(this.unpinDeferred);
  }

  /** Bound once: one setImmediate per turn, whatever the number of slots answered in it. */
  private readonly unpinDeferred = (): void => {
    this.unpinScheduled = false;
    for (const slot of this.unpinLater) this.unpin(slot);
    this.unpinLater.length = 0;
  };

  /** Evicts the session (its row goes to `evict`, for a write-back); false when it had no slot. */
  evict(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    this.evictSlot(id, this.versions[slot]!, this.createdAts[slot]!, this.row(slot));
    this.release(id, slot);
    return true;
  }

  /** Frees the session's slot without handing its row anywhere (deleted, or its row is wrong). */
  drop(id: string): void {
    const slot = this.slotOf.get(id);
    if (slot !== undefined) this.release(id, slot);
  }

  /** Evicts every unpinned session not used since `before` (epoch ms); answers how many. */
  reap(before: number): number {
    let evicted = 0;
    for (const [id, slot] of this.slotOf) {
      if (this.lastUsed[slot]! < before && this.pins[slot] === 0) {
        this.evict(id);
        evicted++;
      }
    }
    return evicted;
  }

  /** Evicts every unpinned session (the app closes). */
  evictAll(): void {
    this.reap(Infinity);
  }

  private release(id: string, slot: number): void {
    this.slotOf.delete(id);
    this.ids[slot] = undefined;
    if (this.pins[slot] === 0) this.free.push(slot);
  }

  private freeSlot(): number {
    const free = this.free.pop();
    if (free !== undefined) return free;
    if (this.used === this.capacity && this.capacity < this.maxSlots) this.grow();
    if (this.used < this.capacity) return this.used++;
    return this.evictLeastRecentlyUsed();
  }

  private grow(): void {
    this.capacity = Math.min(this.capacity * 2, this.maxSlots);
    const rows = new Float32Array(this.capacity * this.stateSize);
    rows.set(this.rows);
    this.rows = rows;
    // Output rows need no copy: each is read only for the step that wrote it, and a job in flight
    // keeps the view of the old matrix it was given.
    this.outputs = new Float32Array(this.capacity * this.outputSize);
    this.makeViews();
  }

  private makeViews(): void {
    const { stateSize: S, outputSize: O } = this;
    this.stateViews = Array.from({ length: this.capacity }, (_, slot) => this.rows.subarray(slot * S, (slot + 1) * S));
    this.outputViews = Array.from({ length: this.capacity }, (_, slot) => this.outputs.subarray(slot * O, (slot + 1) * O));
  }

  /** Slot pressure: the idle session used longest ago gives its slot up. */
  private evictLeastRecentlyUsed(): number {
    let oldest = -1;
    for (let slot = 0; slot < this.used; slot++) {
      if (this.ids[slot] === undefined || this.pins[slot] !== 0) continue;
      if (oldest < 0 || this.lastUsed[slot]! < this.lastUsed[oldest]!) oldest = slot;
    }
    if (oldest < 0) return -1;
    this.evict(this.ids[oldest]!);
    return this.free.pop()!;
  }
}

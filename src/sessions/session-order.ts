// Runs tasks one at a time per key, in the order they were queued; different keys run freely.
// The inference service queues every write to a session under its id, so concurrent requests
// to one session never interleave. A key's entry is dropped as soon as its queue drains, so
// the map holds only sessions with work in flight.
//
// A caller that tracks its own completion (the service's single-step fast path) may `hold` a
// key with its promise instead of queueing a task, and `release` it when done: that costs no
// bookkeeping promise. Tasks queued behind a held key start when its promise settles.
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    // Start at once when idle (no extra tick); otherwise after the previous task settles,
    // whichever way it settles.
    const result = previous === undefined ? start(task) : previous.then(task, task);
    this.tails.set(key, result);
    const release = (): void => this.release(key, result);
    result.then(release, release);
    return result;
  }

  /** Whether `key` has work queued or running. */
  has(key: string): boolean {
    return this.tails.has(key);
  }

  /** Marks `key` busy until `release(key, promise)`; only when has(key) is false. */
  hold<T>(key: string, promise: Promise<T>): Promise<T> {
    this.tails.set(key, promise);
    return promise;
  }

  /** Ends a hold (or a task): the key is idle again unless more work was queued behind it. */
  release(key: string, promise: Promise<unknown>): void {
    if (this.tails.get(key) === promise) this.tails.delete(key);
  }

  /** Keys with work queued or running (for tests and diagnostics). */
  get size(): number {
    return this.tails.size;
  }
}

/** Calls task now; a synchronous throw becomes a rejection, as it would inside then(). */
function start<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}

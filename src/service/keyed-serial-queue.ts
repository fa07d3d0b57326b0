// Runs tasks one at a time per key, in the order they were queued; different keys run freely.
// The inference service queues every write to a session under its id, so concurrent requests
// to one session never interleave. A key's entry is dropped as soon as its queue drains, so
// the map holds only sessions with work in flight.
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    // Start at once when idle (no extra tick); otherwise after the previous task settles.
    const result = previous === undefined ? start(task) : previous.then(task);
    const tail = result.then(ignore, ignore);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests and diagnostics). */
  get size(): number {
    return this.tails.size;
  }
}

function ignore(): void {}

/** Calls task now; a synchronous throw becomes a rejection, as it would inside then(). */
function start<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}

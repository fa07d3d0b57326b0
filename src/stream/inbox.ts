// The read side of a stream: frames received and not yet computed, in arrival order. Reading
// stops (socket.pause) while too many frames or bytes wait, and resumes once the backlog is down
// to half of both limits, so a client that pipelines faster than the server computes is slowed
// down by TCP instead of filling the server's memory.
import type { WebSocket } from 'ws';
import type { StreamLimits } from './limits.js';
import type { StreamCommand } from './messages.js';

export interface Pending {
  readonly command: StreamCommand;
  readonly bytes: number;
}

export class Inbox {
  private queue: Pending[] = [];
  private bytes = 0;
  private paused = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: Pick<StreamLimits, 'maxPendingFrames' | 'maxPendingBytes'>,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  /** The queue itself, read only (coalesce.ts looks ahead in it). */
  get pending(): readonly Pending[] {
    return this.queue;
  }

  /** Whether reading is paused because too much is pending. */
  get readingPaused(): boolean {
    return this.paused;
  }

  push(command: StreamCommand, bytes: number): void {
    this.queue.push({ command, bytes });
    this.bytes += bytes;
    if (!this.paused && (this.queue.length >= this.limits.maxPendingFrames || this.bytes >= this.limits.maxPendingBytes)) {
      this.paused = true;
      this.socket.pause();
    }
  }

  /** Removes and answers the first frame (the usual case: no array for it). */
  takeFirst(): Pending {
    const first = this.queue.shift()!;
    this.bytes -= first.bytes;
    return first;
  }

  /** Removes and answers the first `count` frames (a merged run; a lone frame is takeFirst's). */
  take(count: number): Pending[] {
    const taken = this.queue.splice(0, count);
    for (const { bytes } of taken) this.bytes -= bytes;
    return taken;
  }

  /** Puts frames taken back at the head (a merged step that must be replayed one by one). */
  putBack(taken: readonly Pending[]): void {
    this.queue.unshift(...taken);
    for (const { bytes } of taken) this.bytes += bytes;
  }

  /** Reads again once the backlog is at most half of both limits. */
  resumeIfDrained(): void {
    if (!this.paused) return;
    const { maxPendingFrames, maxPendingBytes } = this.limits;
    if (this.queue.length <= maxPendingFrames / 2 && this.bytes < maxPendingBytes / 2) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Drops every pending frame; reads again so the peer's close frame can arrive. */
  clear(): void {
    this.queue = [];
    this.bytes = 0;
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }
}

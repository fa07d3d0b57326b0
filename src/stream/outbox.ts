// The write side of a stream: replies go out in order, and a client that leaves too many reply
// bytes unread (socket.bufferedAmount over maxBufferedBytes) makes the stream stop computing until
// it reads; one that stays that way for sendTimeoutMs is closed as a slow consumer (1008).
import type { FastifyBaseLogger } from 'fastify';
import type { Reply } from './frames.js';
import type { StreamLimits } from './limits.js';
import type { StreamSocket } from './stream-socket.js';

export class Outbox {
  private wakeWriter: (() => void) | undefined;
  /** Bound once: passed to every send, so a reply costs no new closure. */
  private readonly onFlushed = (): void => {
    if (this.wakeWriter !== undefined && this.socket.bufferedAmount <= this.limits.maxBufferedBytes) this.wakeWriter();
  };

  constructor(
    private readonly socket: StreamSocket,
    private readonly limits: Pick<StreamLimits, 'maxBufferedBytes' | 'sendTimeoutMs'>,
    private readonly log: FastifyBaseLogger,
    /** Closes the stream (policy violation) when its client stopped reading. */
    private readonly closeSlowConsumer: (reason: string) => void,
  ) {}

  send(reply: Reply): void {
    this.socket.sendMessage(reply, this.onFlushed);
  }

  /** Several replies at once (a merged step's), in order, in one system call. */
  sendAll(replies: readonly Reply[]): void {
    this.socket.sendMessages(replies, this.onFlushed);
  }

  /** Whether the client has more unread replies than allowed: await waitForReader() before computing more. */
  get backedUp(): boolean {
    return this.socket.bufferedAmount > this.limits.maxBufferedBytes;
  }

  /** Waits until the client has read enough of its replies, or closes it as a slow consumer. */
  waitForReader(): Promise<void> {
    const { maxBufferedBytes, sendTimeoutMs } = this.limits;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeWriter = undefined;
        const unread = this.socket.bufferedAmount;
        this.log.info({ unread }, 'stream client does not read its replies: closed as a slow consumer');
        this.closeSlowConsumer(`slow consumer: ${unread} bytes unread after ${sendTimeoutMs} ms (limit ${maxBufferedBytes})`);
        resolve();
      }, sendTimeoutMs);
      this.wakeWriter = () => {
        clearTimeout(timer);
        this.wakeWriter = undefined;
        resolve();
      };
    });
  }

  /** The socket is gone: a writer waiting for the reader goes on (and finds the stream closed). */
  abandon(): void {
    this.wakeWriter?.();
  }
}

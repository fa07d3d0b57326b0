// The server-side socket class of the stream routes: `ws`'s WebSocket with two changes.
//
// 1. `ws` enforces maxPayload while a frame arrives (before buffering it), which is what bounds
//    memory, but closes with 1009 (Message Too Big); api.md promises 1008 for a frame over the
//    size limit. `ws` closes through this.close(code), so overriding close is the documented way
//    to change it (WebSocketServer's `WebSocket` option takes a subclass).
// 2. sendMessage() writes a reply as one frame, header and payload in one buffer (frames.ts),
//    with one write on the TCP socket; sendMessages() corks several into one system call.
//    `ws`'s send() builds an options object and a separate header buffer, and corks the socket
//    around two writes (a writev); for the stream's small replies that machinery cost 1.0-1.6 us
//    of CPU per reply (`npx tsx bench/stream-send.ts`), a tenth of a whole step.
//    Writing beside `ws`'s Sender is safe because the Sender writes every frame synchronously
//    unless it is compressing or reading a Blob: the stream plugin turns compression off, and
//    the server sends no Blob, so the Sender's queue is always empty and frames keep their
//    order. Pings and the close frame still go through `ws`.
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { textFrame, type Reply } from './frames.js';

const MESSAGE_TOO_BIG = 1009;
const POLICY_VIOLATION = 1008;

export class StreamSocket extends WebSocket {
  /**
   * Sends one message: a text message (a string), or a whole frame built beforehand (frames.ts).
   * Text goes out as ws.send() would send it with compression off. `flushed` runs when the
   * kernel has taken the bytes (or with the error when the socket failed or is closed).
   */
  sendMessage(message: Reply, flushed: (error?: Error | null) => void): void {
    const tcp = this.tcp;
    if (this.readyState !== WebSocket.OPEN || tcp === undefined) {
      // ws writes nothing once the socket is not open: it reports the error to the callback, as
      // for any send after close (so a Frame passed here is never sent as a payload).
      this.send(message, flushed);
      return;
    }
    tcp.write(typeof message === 'string' ? textFrame(message) : message, flushed);
  }

  /**
   * Sends several messages (the replies of one merged step) as their frames in one system call:
   * the TCP socket is corked around them, so Node hands them to the kernel as one writev.
   */
  sendMessages(messages: readonly Reply[], flushed: (error?: Error | null) => void): void {
    const tcp = this.tcp;
    tcp?.cork();
    for (const message of messages) this.sendMessage(message, flushed);
    tcp?.uncork();
  }

  /** `ws`'s own field for the TCP socket: set when the upgrade completes, kept until 'close'. */
  private get tcp(): Duplex | undefined {
    return (this as unknown as { _socket: Duplex | undefined })._socket;
  }
}

export function streamSocketClass(maxFrameBytes: number): typeof StreamSocket {
  return class LimitedStreamSocket extends StreamSocket {
    override close(code?: number, data?: string | Buffer): void {
      if (code === MESSAGE_TOO_BIG) {
        super.close(POLICY_VIOLATION, `frame larger than ${maxFrameBytes} bytes (BODY_LIMIT_BYTES)`);
      } else {
        super.close(code, data);
      }
    }
  };
}

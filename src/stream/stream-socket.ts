// The server-side socket class of the stream routes: `ws`'s WebSocket with two changes.
//
// 1. `ws` enforces maxPayload while a frame arrives (before buffering it), which is what bounds
//    memory, but closes with 1009 (Message Too Big); api.md promises 1008 for a frame over the
//    size limit. `ws` closes through this.close(code), so overriding close is the documented way
//    to change it (WebSocketServer's `WebSocket` option takes a subclass).
// 2. sendMessage() writes a reply as one frame, header and payload in one buffer, with one write
//    on the TCP socket (sendMessages() several, corked into one system call). `ws`'s send() builds an options object, a separate header buffer and
//    corks the socket around two writes (a writev); for the stream's small replies that
//    machinery cost 1.5-3 us of CPU per frame in bench/send-frames.ts, a tenth of a whole step.
//    Writing beside `ws`'s Sender is safe because the Sender writes every frame synchronously
//    unless it is compressing or reading a Blob: the stream plugin turns compression off, and
//    the server sends no Blob, so the Sender's queue is always empty and frames keep their
//    order. Pings and the close frame still go through `ws`.
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';

const MESSAGE_TOO_BIG = 1009;
const POLICY_VIOLATION = 1008;

/** The first header byte of an unfragmented message (FIN set): RFC 6455 section 5.2. */
const FINAL_TEXT_FRAME = 0x81;
const FINAL_BINARY_FRAME = 0x82;

export class StreamSocket extends WebSocket {
  /**
   * Sends one text (string) or binary (Buffer) message, as ws.send() would with compression off.
   * `flushed` runs when the kernel has taken the bytes (or the socket failed).
   */
  sendMessage(message: string | Buffer, flushed: (error?: Error | null) => void): void {
    // `_socket` is ws's own field (set when the upgrade completes, kept until 'close'); a socket
    // that is not open lets ws answer as it does for any send after close.
    const tcp = (this as unknown as { _socket: Duplex | undefined })._socket;
    if (this.readyState !== WebSocket.OPEN || tcp === undefined) {
      this.send(message, flushed);
      return;
    }
    tcp.write(typeof message === 'string' ? textFrame(message) : binaryFrame(message), flushed);
  }

  /**
   * Sends several messages (the replies of one merged step) as their frames in one system call:
   * the TCP socket is corked around them, so Node hands them to the kernel as one writev.
   */
  sendMessages(messages: readonly (string | Buffer)[], flushed: (error?: Error | null) => void): void {
    const tcp = (this as unknown as { _socket: Duplex | undefined })._socket;
    tcp?.cork();
    for (const message of messages) this.sendMessage(message, flushed);
    tcp?.uncork();
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

/** A text message's frame: the header, then the string's UTF-8 bytes, in one buffer. */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(headerLength(length) + length);
  frame.write(text, writeHeader(frame, FINAL_TEXT_FRAME, length), 'utf8');
  return frame;
}

/** A binary message's frame: the header, then a copy of `payload`, in one buffer. */
export function binaryFrame(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(headerLength(payload.length) + payload.length);
  frame.set(payload, writeHeader(frame, FINAL_BINARY_FRAME, payload.length));
  return frame;
}

/** Server frames are not masked: 2 header bytes, plus 2 or 8 for the extended payload length. */
function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
}

/** Writes the header into `frame`; returns where the payload starts. */
function writeHeader(frame: Buffer, firstByte: number, payloadLength: number): number {
  frame[0] = firstByte;
  if (payloadLength < 126) {
    frame[1] = payloadLength;
    return 2;
  }
  if (payloadLength < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(payloadLength, 2);
    return 4;
  }
  frame[1] = 127;
  frame.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), 2);
  frame.writeUInt32BE(payloadLength >>> 0, 6);
  return 10;
}

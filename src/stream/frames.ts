// WebSocket frames as the server writes them (RFC 6455 section 5.2): one unfragmented message,
// unmasked (server to client), header and payload in one buffer, so StreamSocket sends a reply
// with one write. The hot replies (a step's outputs) are built as frames directly (replies.ts);
// every other reply is text that textFrame() frames on the way out.

declare const completeFrame: unique symbol;
/** The bytes of one whole frame, header included: written to the TCP socket as they are. */
export type Frame = Buffer & { readonly [completeFrame]: true };

/** The first header byte of an unfragmented message (FIN set). */
const FINAL_TEXT_FRAME = 0x81;
const FINAL_BINARY_FRAME = 0x82;

/** The most header bytes a frame has (a payload of 64 KiB or more): room to leave before a payload. */
export const MAX_HEADER_BYTES = 10;

/** A text message's frame: the header, then the string's UTF-8 bytes. */
export function textFrame(text: string): Frame {
  const length = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(headerLength(length) + length);
  frame.write(text, writeHeader(frame, 0, true, length), 'utf8');
  return frame as Frame;
}

/** A binary message's frame: the header, then a copy of `payload`. */
export function binaryFrame(payload: Uint8Array): Frame {
  const frame = Buffer.allocUnsafe(headerLength(payload.length) + payload.length); // pooled below 4 KiB
  frame.set(payload, writeHeader(frame, 0, false, payload.length));
  return frame as Frame;
}

/**
 * Frames a text payload already written into `scratch` at [payloadStart, payloadEnd), with at
 * least MAX_HEADER_BYTES free before it: the header goes right before the payload, and the frame
 * is copied out into a buffer of its own (the scratch is reused for the next reply).
 */
export function textFrameFromScratch(scratch: Buffer, payloadStart: number, payloadEnd: number): Frame {
  const length = payloadEnd - payloadStart;
  const start = payloadStart - headerLength(length);
  writeHeader(scratch, start, true, length);
  const frame = Buffer.allocUnsafe(payloadEnd - start);
  scratch.copy(frame, 0, start, payloadEnd);
  return frame as Frame;
}

/** 2 header bytes, plus 2 or 8 for the extended payload length. */
function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
}

/** Writes the header at frame[at]; returns where the payload starts. */
function writeHeader(frame: Buffer, at: number, text: boolean, payloadLength: number): number {
  frame[at] = text ? FINAL_TEXT_FRAME : FINAL_BINARY_FRAME;
  if (payloadLength < 126) {
    frame[at + 1] = payloadLength;
    return at + 2;
  }
  if (payloadLength < 65536) {
    frame[at + 1] = 126;
    frame.writeUInt16BE(payloadLength, at + 2);
    return at + 4;
  }
  frame[at + 1] = 127;
  frame.writeUInt32BE(Math.floor(payloadLength / 2 ** 32), at + 2);
  frame.writeUInt32BE(payloadLength >>> 0, at + 6);
  return at + 10;
}

/** What a stream sends: a text message (framed on the way out) or a frame built beforehand. */
export type Reply = string | Frame;

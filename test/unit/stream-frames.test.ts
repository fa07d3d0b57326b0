// The stream writes its replies' frames itself (src/stream/frames.ts): they must be RFC 6455's
// bytes (section 5.2: FIN and the opcode, no mask, the 7-, 16- or 64-bit payload length) at every
// payload-length boundary. test/integration/stream-socket.test.ts sends them on a real socket to
// ws's own client.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binaryFrame, textFrame, textFrameFromScratch } from '../../src/stream/frames.js';

/** The frame by the RFC's letter, written another way (BigInt for the 64-bit length). */
function wsFrame(payload: Buffer, opcode: 1 | 2): Buffer {
  const n = payload.length;
  let header: Buffer;
  if (n <= 125) {
    header = Buffer.from([0x80 | opcode, n]);
  } else if (n <= 0xffff) {
    header = Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([header, payload]);
}

/** Payload lengths around each header form: 7-bit, 16-bit (126..65535) and 64-bit lengths. */
const LENGTHS = [0, 1, 125, 126, 127, 1000, 65535, 65536, 70000];

describe('stream frames', () => {
  it('a binary frame is the RFC\'s bytes, at every length boundary', () => {
    for (const length of LENGTHS) {
      const payload = Buffer.from(Array.from({ length }, (_, i) => (i * 31) & 0xff));
      assert.deepEqual(binaryFrame(payload), wsFrame(payload, 2), `length ${length}`);
    }
  });

  it('a text frame is the RFC\'s bytes, with the UTF-8 length (not the string length) in its header', () => {
    for (const length of LENGTHS) {
      const text = 'y'.repeat(length);
      assert.deepEqual(textFrame(text), wsFrame(Buffer.from(text), 1), `length ${length}`);
    }
    // A payload framed in place, behind room for the longest header.
    for (const length of LENGTHS) {
      const text = 'z'.repeat(length);
      const scratch = Buffer.alloc(length + 20, 0xee);
      scratch.write(text, 10, 'latin1');
      assert.deepEqual(textFrameFromScratch(scratch, 10, 10 + length), wsFrame(Buffer.from(text), 1), `in place, length ${length}`);
    }
    // 2 and 3 UTF-8 bytes per character: 63 'é' are 126 bytes, a 16-bit length although 63 < 126.
    for (const text of ['é'.repeat(63), '"id":"日本"', '€'.repeat(21_846)]) {
      assert.deepEqual(textFrame(text), wsFrame(Buffer.from(text), 1), text.slice(0, 8));
    }
  });
});

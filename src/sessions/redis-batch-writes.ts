// The arguments of a batch of compare-and-sets packed into one Buffer, for the batch script of
// redis-session-scripts.ts (rnnSessionCompareAndSetMany): each string is a 4-byte little-endian
// byte length and its bytes. ioredis encodes every argument of a command on its own (a byte
// count, a conversion, a copy); a step's dozen arguments cost more CPU than the rest of its Redis
// write, so the batch sends its keys and this one argument instead.

/** A compare-and-set's arguments: its key, now, the expected version, the expiry, the field/value pairs. */
export type CompareAndSetArgs = readonly [string, number, number, number, ...(string | Buffer)[]];

/** Everything but the keys, packed in order: now, expectedVersion, expiresAt, n, then the n fields. */
export function packCompareAndSets(writes: readonly CompareAndSetArgs[]): Buffer {
  // One pass into a buffer sized for the worst case (a number's text is at most 24 bytes, a
  // string's UTF-8 at most 3 bytes a UTF-16 unit), answered trimmed to what was written.
  let bound = 0;
  for (const args of writes) {
    bound += 4 * args.length + 4 * 24;
    for (let k = 4; k < args.length; k++) {
      const field = args[k] as string | Buffer;
      bound += typeof field === 'string' ? 3 * field.length : field.length;
    }
  }
  const packed = Buffer.allocUnsafe(bound);
  let at = 0;
  const putString = (text: string): void => {
    // ASCII (numbers, field names, most ids) byte by byte: Buffer.write costs more per call
    // than these few bytes do. Anything else through the UTF-8 encoder.
    let i = 0;
    for (; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) break;
      packed[at + 4 + i] = code;
    }
    const length = i === text.length ? i : i + packed.write(text.slice(i), at + 4 + i, 'utf8');
    packed.writeUInt32LE(length, at);
    at += 4 + length;
  };
  for (const args of writes) {
    putString(String(args[1]));
    putString(String(args[2]));
    putString(String(args[3]));
    putString(String(args.length - 4));
    for (let k = 4; k < args.length; k++) {
      const field = args[k] as string | Buffer;
      if (typeof field === 'string') {
        putString(field);
      } else {
        packed.writeUInt32LE(field.length, at);
        packed.set(field, at + 4);
        at += 4 + field.length;
      }
    }
  }
  return packed.subarray(0, at);
}

// The arguments of a batch of compare-and-sets packed into one Buffer, for the batch script of
// redis-session-scripts.ts (rnnSessionCompareAndSetMany): each string is a 4-byte little-endian
// byte length and its bytes. ioredis encodes every argument of a command on its own (a byte
// count, a conversion, a copy); a step's dozen arguments cost more CPU than the rest of its Redis
// write, so the batch sends its keys and this one argument instead.

/** A compare-and-set's arguments: its key, now, the expected version, the expiry, the field/value pairs. */
export type CompareAndSetArgs = readonly [string, number, number, number, ...(string | Buffer)[]];

/** Everything but the keys, packed in order: now, expectedVersion, expiresAt, n, then the n fields. */
export function packCompareAndSets(writes: readonly CompareAndSetArgs[]): Buffer {
  let size = 0;
  for (const args of writes) {
    // One length prefix per string: the three numbers, the count, the fields (args.length in all).
    size += 4 * args.length + String(args.length - 4).length;
    for (let k = 1; k < args.length; k++) {
      const arg = args[k]!;
      size += typeof arg === 'number' ? String(arg).length : typeof arg === 'string' ? Buffer.byteLength(arg) : arg.length;
    }
  }
  const packed = Buffer.allocUnsafe(size);
  let at = 0;
  const putString = (text: string): void => {
    const length = packed.write(text, at + 4, 'utf8');
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
  if (at !== size) throw new Error(`packed ${at} bytes of compare-and-sets, expected ${size}`);
  return packed;
}

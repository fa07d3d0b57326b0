// A session state as raw little-endian float32 bytes, the form the Redis store keeps it in:
// 4 bytes a value, no JSON, bit-exact (-0, subnormals, NaN payloads all survive).
import { endianness } from 'node:os';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/**
 * The bytes of `state`. On a little-endian host (every platform Node ships for today) this is a
 * view of the array's own memory, no copy: the caller must leave the array unchanged until the
 * command that carries it has been sent (ioredis copies it into the outgoing frame when it writes).
 * A big-endian host gets a byte-swapped copy, so the stored format is the same everywhere.
 */
export function stateToBytes(state: Float32Array): Buffer {
  const view = Buffer.from(state.buffer, state.byteOffset, state.byteLength);
  return LITTLE_ENDIAN_HOST ? view : Buffer.from(view).swap32();
}

/**
 * A new Float32Array holding `bytes`. Always a copy: the reply buffer may be a view into a larger
 * socket chunk at any byte offset (a Float32Array needs a multiple of 4), and a session must not
 * keep that chunk alive. `where` names the bytes in the error when their length is not 4n.
 */
export function bytesToState(bytes: Uint8Array, where: string): Float32Array {
  if (bytes.byteLength % Float32Array.BYTES_PER_ELEMENT !== 0) {
    throw new Error(`${where}: ${bytes.byteLength} bytes is not a whole number of float32 values`);
  }
  const state = new Float32Array(bytes.byteLength / Float32Array.BYTES_PER_ELEMENT);
  const target = new Uint8Array(state.buffer);
  target.set(bytes);
  if (!LITTLE_ENDIAN_HOST) Buffer.from(state.buffer).swap32();
  return state;
}

// Random corruptions of a file's bytes for the loaders' fuzz tests (safetensors, npz, ONNX):
// truncate, overwrite or insert a few bytes at a random place, several times over.
import fc from 'fast-check';

export const byteMutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), values: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), values: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);
export type ByteMutation = typeof byteMutation extends fc.Arbitrary<infer T> ? T : never;

/** A corrupted copy of `bytes`; the original is left as it was. */
export function mutate(bytes: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  let out = Uint8Array.from(bytes);
  for (const mutation of mutations) {
    const at = out.length === 0 ? 0 : mutation.at % (out.length + 1);
    if (mutation.kind === 'truncate') out = out.slice(0, at);
    else if (mutation.kind === 'insert') out = Buffer.concat([out.subarray(0, at), mutation.values, out.subarray(at)]);
    else for (let i = 0; i < mutation.values.length && at + i < out.length; i++) out[at + i] = mutation.values[i]!;
  }
  return out;
}

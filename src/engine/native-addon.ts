// Loads the native engine's Node-API addon (native/, built into build/Release by `npm ci` through
// node-gyp where a C++ toolchain exists). A missing or unloadable addon is not an error here: the
// caller decides (RNN_ENGINE=auto falls back to the wasm engine, RNN_ENGINE=native refuses to start).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** One loaded network of the addon (native/addon.cc). */
export interface NativeNetworkHandle {
  readonly isa: string;
  /** Storage of the packed weight matrices: "f32", "f16", "bf16", or several comma-separated. */
  readonly weightTypes: string;
  step(batch: number, x: Float32Array, states: Float32Array, outputs: Float32Array): void;
  run(inputs: Float32Array, steps: number, state: Float32Array, outputs: Float32Array): void;
}

export interface NativeShape {
  readonly architecture: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly outputSize: number;
  readonly hasHead: boolean;
  readonly relu: boolean;
  readonly gruResetBefore: boolean;
  readonly outputActivation: string;
  readonly maxBatch: number;
  /** auto (default): matrices whose values are all exactly f16 or bf16 stay 16-bit; f32: never. */
  readonly weightStorage?: 'auto' | 'f32';
}

export interface NativeAddon {
  readonly NativeNetwork: new (
    shape: NativeShape,
    layers: ReadonlyArray<{ weightIh: Float32Array; weightHh: Float32Array; biasIh: Float32Array; biasHh: Float32Array }>,
    head: { weight: Float32Array; bias: Float32Array } | null,
    isa: string,
  ) => NativeNetworkHandle;
  /** ISAs this CPU runs, best first; the last is always 'baseline'. */
  readonly supportedIsas: readonly string[];
  /** ISAs this build has kernels for (some may not run on this CPU). */
  readonly knownIsas: readonly string[];
  /**
   * Writes rows x cols float32 values from values[start] as JSON (rows 0: one flat array) into
   * out, each the shortest decimal that reads back as the same float32 (native/float-json.h);
   * returns the bytes written, or -1 when out is too short or the range is outside values.
   */
  formatFloat32Json(values: Float32Array, start: number, rows: number, cols: number, out: Uint8Array): number;
  /**
   * Whether bytes are exactly {"x":[...]} in strict JSON with out.length values, each finite in
   * float32, written into out, and an optional plain-integer expected_t (native/json-vector.h):
   * false for any other message, true when read without expected_t, else the expected_t.
   */
  parseJsonVector?(bytes: Uint8Array, out: Float32Array): boolean | number;
  /** Whether values[0..count) holds no NaN and no infinity (one vectorized pass). */
  allFinite?(values: Float32Array, count: number): boolean;
  /** The bytes formatFloat32Json reserves per value (with its comma): out must hold rows x (cols x this + 3) + 2. */
  readonly floatJsonBytesPerValue: number;
  /** Bench only: GFLOP/s of register-only FMAs on one ISA (the core's FP32 peak). */
  benchFmaPeak(isa: string): number;
  /** Bench only: GFLOP/s of the engine's gemm kernel on an M x N x K product. */
  benchGemm(isa: string, M: number, N: number, K: number): number;
}

export type AddonLoad = { readonly addon: NativeAddon } | { readonly error: string };

// build/ is two levels up from src/engine when run by tsx, three from dist/src/engine once compiled.
const CANDIDATES = ['../../build/Release/rnn_native.node', '../../../build/Release/rnn_native.node'];

let loaded: AddonLoad | undefined;

/** The addon, loaded once; or why it is not there. */
export function loadNativeAddon(): AddonLoad {
  if (loaded !== undefined) return loaded;
  const paths = CANDIDATES.map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
  const path = paths.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    loaded = { error: 'the native addon is not built (no build/Release/rnn_native.node; `npm ci` builds it where g++ exists)' };
    return loaded;
  }
  try {
    loaded = { addon: createRequire(import.meta.url)(path) as NativeAddon };
  } catch (error) {
    loaded = { error: `the native addon at ${path} failed to load: ${(error as Error).message}` };
  }
  return loaded;
}

// Loads the wasm SIMD kernels (asm/kernels.ts, built into build/ by `npm run build:wasm`) and
// gives each network its own instance over its own memory.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Bytes at the bottom of every kernel memory left to the module's static data (AssemblyScript
 * places it from 1024; the kernels have none today). The engine lays out its buffers above;
 * instantiation checks the module still fits.
 */
export const KERNEL_STATIC_BYTES = 4096;

/** The kernels' exports; pointers are byte offsets, strides and sizes count f32 values. */
export interface Kernels {
  staticDataEnd(): number;
  gemm(C: number, ldc: number, A: number, lda: number, P: number, M: number, panels: number, K: number,
    bias: number, accumulate: boolean): void;
  rnnCell(G: number, ldg: number, B: number, H: number, h: number, ldh: number, relu: boolean): void;
  lstmCell(G: number, ldg: number, B: number, H: number, h: number, ldh: number, c: number, ldc: number): void;
  gruCell(GX: number, GH: number, ldg: number, B: number, H: number, hPrev: number, ldp: number, hOut: number,
    ldh: number): void;
  gruResetHidden(GX: number, GH: number, ldg: number, B: number, H: number, hPrev: number, ldp: number, RH: number,
    ldr: number): void;
  gruResetBeforeCell(GX: number, GH: number, ldg: number, GN: number, ldn: number, B: number, H: number, hPrev: number,
    ldp: number, hOut: number, ldh: number): void;
}

export interface KernelInstance {
  readonly kernels: Kernels;
  /** The whole memory; it never grows, so this view stays valid. */
  readonly memory: Float32Array;
}

// Only the slice of the WebAssembly API used here (the project's TypeScript libs do not declare it).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number }) => { buffer: ArrayBuffer };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

// build/ is two levels up from src/engine when run by tsx, three from dist/src/engine once compiled.
const CANDIDATES = ['../../build/kernels.wasm', '../../../build/kernels.wasm'];

let compiled: object | undefined;

function compiledKernels(): object {
  if (compiled === undefined) {
    const paths = CANDIDATES.map((relative) => fileURLToPath(new URL(relative, import.meta.url)));
    const path = paths.find((candidate) => existsSync(candidate));
    if (path === undefined) {
      throw new Error(`engine kernels not built (looked for ${paths.join(', ')}): run \`npm run build:wasm\``);
    }
    compiled = new wasm.Module(readFileSync(path));
  }
  return compiled;
}

export function instantiateKernels(pages: number): KernelInstance {
  const memory = new wasm.Memory({ initial: pages, maximum: pages });
  const instance = new wasm.Instance(compiledKernels(), { env: { memory } });
  const kernels = instance.exports as unknown as Kernels;
  if (kernels.staticDataEnd() > KERNEL_STATIC_BYTES) {
    throw new Error(`engine kernels' static data ends at ${kernels.staticDataEnd()}, above ${KERNEL_STATIC_BYTES}`);
  }
  return { kernels, memory: new Float32Array(memory.buffer) };
}

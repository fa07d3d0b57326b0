// Which engine builds the networks: RNN_ENGINE=auto|native|wasm and RNN_ENGINE_ISA, resolved once.
// auto takes the native engine when its addon loaded (the CPU's widest SIMD), else the wasm
// engine (portable, 128-bit SIMD); `reason` says which and why, for the one start-up log line.

import { ConfigError } from '../config.js';
import { loadNativeAddon } from './native-addon.js';
import { createNativeNetwork } from './native-network.js';
import { createNetwork as createWasmNetwork } from './network.js';
import type { NetworkOptions } from './network.js';
import type { NetworkSpec, NetworkWeights, RecurrentNetwork } from './types.js';

export type EngineChoice = 'auto' | 'native' | 'wasm';

export interface EngineSelection {
  readonly engine: 'native' | 'wasm';
  /** native: the kernel table in use (avx512, avx2, neon, baseline); wasm: simd128. */
  readonly isa: string;
  readonly reason: string;
  readonly create: (spec: NetworkSpec, weights: NetworkWeights, options?: NetworkOptions) => RecurrentNetwork;
}

const WASM_ISA = 'simd128';

function wasmSelection(reason: string): EngineSelection {
  return { engine: 'wasm', isa: WASM_ISA, reason, create: createWasmNetwork };
}

/**
 * Resolves the engine. isa 'auto' is the best this CPU runs; a named ISA must be one the CPU runs
 * (it can only force a lower one). Throws a ConfigError when RNN_ENGINE=native or the ISA cannot be honoured.
 */
export function selectEngine(choice: EngineChoice, isa = 'auto'): EngineSelection {
  if (choice === 'wasm') return wasmSelection('RNN_ENGINE=wasm: WebAssembly SIMD engine');
  const load = loadNativeAddon();
  if ('error' in load) {
    if (choice === 'native') throw new ConfigError(`RNN_ENGINE=native but ${load.error}`);
    return wasmSelection(`RNN_ENGINE=auto and ${load.error}: using the wasm engine`);
  }
  const { addon } = load;
  let chosen = addon.supportedIsas[0];
  if (isa !== 'auto') {
    if (!addon.knownIsas.includes(isa)) {
      throw new ConfigError(`RNN_ENGINE_ISA=${isa} is not one of auto, ${addon.knownIsas.join(', ')}`);
    }
    if (!addon.supportedIsas.includes(isa)) {
      throw new ConfigError(`RNN_ENGINE_ISA=${isa} is not supported by this CPU (it runs ${addon.supportedIsas.join(', ')})`);
    }
    chosen = isa;
  }
  const why = isa === 'auto' ? `the CPU's best of ${addon.supportedIsas.join(', ')}` : `RNN_ENGINE_ISA=${isa}`;
  return {
    engine: 'native',
    isa: chosen,
    reason: `RNN_ENGINE=${choice}: native engine loaded, ${chosen} kernels (${why})`,
    create: (spec, weights, options = {}) => createNativeNetwork(addon, spec, weights, { ...options, isa: chosen }),
  };
}

// The engine's public surface: the selected fast network (native or wasm, see engine-selection.ts),
// the reference yardstick, and the contract types.
import { engineConfigFromEnv } from '../config.js';
import { selectEngine, type EngineSelection } from './engine-selection.js';
import type { NetworkOptions } from './network.js';
import type { NetworkSpec, NetworkWeights, RecurrentNetwork } from './types.js';

export type { NetworkOptions } from './network.js';
export { createNetwork as createWasmNetwork } from './network.js';
export { createReferenceNetwork } from './reference.js';
export { validateNetwork, requiredEngineFeatures } from './validate.js';
export type { EngineFeatures } from './validate.js';
export { createDirectionalNetwork, withDirectionalLayers } from './bidirectional.js';
export type { NetworkFactory } from './bidirectional.js';
export { randomWeights } from './random-weights.js';
export { selectEngine } from './engine-selection.js';
export type { EngineChoice, EngineSelection } from './engine-selection.js';
export * from './types.js';

let selected: EngineSelection | undefined;

/** The engine RNN_ENGINE and RNN_ENGINE_ISA of this process name, resolved on first use. */
export function defaultEngine(): EngineSelection {
  if (selected === undefined) {
    const { engine, engineIsa } = engineConfigFromEnv(process.env);
    selected = selectEngine(engine, engineIsa);
  }
  return selected;
}

/** A network on the default engine (the native one when it loaded, else wasm; see defaultEngine). */
export function createNetwork(spec: NetworkSpec, weights: NetworkWeights, options: NetworkOptions = {}): RecurrentNetwork {
  return defaultEngine().create(spec, weights, options);
}

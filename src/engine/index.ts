// The engine's public surface: the fast network, the reference yardstick, and the contract types.
export { createNetwork } from './network.js';
export type { NetworkOptions } from './network.js';
export { createReferenceNetwork } from './reference.js';
export { validateNetwork, requiredEngineFeatures } from './validate.js';
export type { EngineFeatures } from './validate.js';
export { createDirectionalNetwork, withDirectionalLayers } from './bidirectional.js';
export type { NetworkFactory } from './bidirectional.js';
export { randomWeights } from './random-weights.js';
export * from './types.js';

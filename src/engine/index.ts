// The engine's public surface: the fast network, the reference yardstick, and the contract types.
export { createNetwork } from './network.js';
export type { NetworkOptions } from './network.js';
export { createReferenceNetwork } from './reference.js';
export { validateNetwork } from './validate.js';
export { randomWeights } from './random-weights.js';
export * from './types.js';

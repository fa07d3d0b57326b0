// Placeholder until the fast path lands: same behaviour as the reference.
import { createReferenceNetwork } from './reference.js';
import type { NetworkSpec, NetworkWeights, RecurrentNetwork } from './types.js';

export interface NetworkOptions {
  /** Largest batch stepBatch accepts; scratch is sized for it. Default 64. */
  readonly maxBatch?: number;
}

export function createNetwork(spec: NetworkSpec, weights: NetworkWeights, _options: NetworkOptions = {}): RecurrentNetwork {
  return createReferenceNetwork(spec, weights);
}

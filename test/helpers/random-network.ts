// Random networks for tests that need a model of some shape but no particular weights: the
// engine's seeded generator (src/engine/random-weights.ts), with the defaults tests use.
import { randomFloats, randomWeights as engineRandomWeights, seededRandom } from '../../src/engine/random-weights.js';
import type { NetworkSpec, NetworkWeights } from '../../src/engine/types.js';

export { seededRandom };

/** `length` values uniform in (-scale, scale). */
export function randomArray(length: number, random: () => number, scale = 0.5): Float32Array {
  return randomFloats(length, scale, random);
}

/** Weights in PyTorch's initialisation range, deterministic for a seed. */
export function randomWeights(spec: NetworkSpec, seed = 1): NetworkWeights {
  return engineRandomWeights(spec, seed);
}

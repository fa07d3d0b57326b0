// Random networks for tests that need a model of some shape but no particular weights.
import type { NetworkSpec, NetworkWeights } from '../../src/engine/types.js';
import { gateCount } from '../../src/engine/types.js';

/** A small deterministic generator (mulberry32), so a failing case can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomArray(length: number, random: () => number, scale = 0.5): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

export function randomWeights(spec: NetworkSpec, seed = 1): NetworkWeights {
  const random = seededRandom(seed);
  const G = gateCount(spec.architecture);
  const H = spec.hiddenSize;
  const layers = Array.from({ length: spec.numLayers }, (_, k) => ({
    weightIh: randomArray(G * H * (k === 0 ? spec.inputSize : H), random),
    weightHh: randomArray(G * H * H, random),
    biasIh: randomArray(G * H, random),
    biasHh: randomArray(G * H, random),
  }));
  return {
    layers,
    ...(spec.hasHead
      ? { head: { weight: randomArray(spec.outputSize * H, random), bias: randomArray(spec.outputSize, random) } }
      : {}),
    ...(spec.vocabSize !== undefined ? { embedding: randomArray(spec.vocabSize * spec.inputSize, random) } : {}),
  };
}

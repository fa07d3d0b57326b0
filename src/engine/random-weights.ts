// Deterministic random weights for a spec: PyTorch's initialisation range U(-1/sqrt(H), 1/sqrt(H))
// times `scale`. For benchmarks and tests; seeded so every run sees the same network.

import type { LayerWeights, NetworkSpec, NetworkWeights } from './types.js';
import { directionCount, gateCount } from './types.js';

/** mulberry32: a small, fast, seedable generator of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` values uniform in (-bound, bound). */
export function randomFloats(length: number, bound: number, random: () => number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (random() * 2 - 1) * bound;
  return out;
}

export function randomWeights(spec: NetworkSpec, seed: number, scale = 1): NetworkWeights {
  const random = seededRandom(seed);
  const H = spec.hiddenSize;
  const top = directionCount(spec) * H;
  const rows = gateCount(spec.architecture) * H;
  const bound = scale / Math.sqrt(H);
  const randomLayers = (): LayerWeights[] => {
    const layers: LayerWeights[] = [];
    for (let k = 0; k < spec.numLayers; k++) {
      const inputWidth = k === 0 ? spec.inputSize : top;
      layers.push({
        weightIh: randomFloats(rows * inputWidth, bound, random),
        weightHh: randomFloats(rows * H, bound, random),
        biasIh: randomFloats(rows, bound, random),
        biasHh: randomFloats(rows, bound, random),
      });
    }
    return layers;
  };
  const layers = randomLayers();
  const reverseLayers = spec.direction === 'bidirectional' ? randomLayers() : undefined;
  const head = spec.hasHead
    ? { weight: randomFloats(spec.outputSize * top, bound, random), bias: randomFloats(spec.outputSize, bound, random) }
    : undefined;
  const embedding =
    spec.vocabSize === undefined ? undefined : randomFloats(spec.vocabSize * spec.inputSize, 1, random);
  return { layers, ...(reverseLayers !== undefined ? { reverseLayers } : {}), head, embedding };
}

// Picks the next token from one row of a token model's outputs: greedy (temperature 0) or a
// draw from the distribution reshaped by temperature, top-k and top-p. Work happens in log
// space: a softmax row is read as probabilities p (log p), an identity row as logits, and
// temperature T turns weights into exp((l - max) / T), which is p^(1/T) renormalised and never
// overflows. One sampler serves one request: its buffers are allocated once, not per token.
import type { OutputActivation } from '../engine/types.js';

export interface SamplingParams {
  /** 0: greedy (argmax); otherwise > 0. */
  readonly temperature: number;
  /** Keep the k most likely tokens; 0: off. */
  readonly topK: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p; 1: off. */
  readonly topP: number;
}

/** How to read a row: softmax and sigmoid outputs are (unnormalised) probabilities, identity outputs logits. */
export function readsAsProbabilities(activation: OutputActivation): boolean {
  return activation !== 'identity';
}

export class TokenSampler {
  /** Log-weights of the current row (-Infinity: impossible token). */
  private readonly logits: Float64Array;
  private readonly weights: Float64Array;
  /** Token ids, most likely first, when top-k or top-p needs an order. */
  private readonly order: Int32Array;
  private readonly compareByLikelihood = (a: number, b: number): number => {
    const la = this.logits[a];
    const lb = this.logits[b];
    // Ties go to the lower id, so top_k = 1 picks what argmax picks.
    return la > lb ? -1 : la < lb ? 1 : a - b;
  };

  constructor(
    private readonly vocabSize: number,
    private readonly probabilities: boolean,
    private readonly params: SamplingParams,
    /** Uniform in [0, 1), seeded per request. */
    private readonly random: () => number,
  ) {
    this.logits = new Float64Array(vocabSize);
    this.weights = new Float64Array(vocabSize);
    this.order = new Int32Array(vocabSize);
  }

  /** The next token id for one output row (vocabSize values). */
  pick(row: Float32Array): number {
    const V = this.vocabSize;
    const { temperature, topK, topP } = this.params;
    // Greedy needs no logs: log is monotone, so the argmax of the row is the argmax of its logits.
    if (temperature === 0) return argmax(row, V);

    let max = -Infinity;
    for (let i = 0; i < V; i++) {
      const l = this.probabilities ? Math.log(row[i]) : row[i];
      const logit = Number.isNaN(l) ? -Infinity : l;
      this.logits[i] = logit;
      if (logit > max) max = logit;
    }
    // An infinite logit takes all the mass; no token with any mass (e.g. sigmoid outputs that all
    // underflowed to 0) leaves nothing to sample from. Both are decided greedily, deterministically.
    if (max === Infinity || max === -Infinity) return argmax(row, V);

    for (let i = 0; i < V; i++) this.weights[i] = Math.exp((this.logits[i] - max) / temperature);

    let count = V;
    const ordered = (topK > 0 && topK < V) || topP < 1;
    if (ordered) {
      for (let i = 0; i < V; i++) this.order[i] = i;
      this.order.sort(this.compareByLikelihood);
      if (topK > 0) count = Math.min(topK, V);
      if (topP < 1) count = this.nucleusSize(count, topP);
    }

    let total = 0;
    for (let r = 0; r < count; r++) total += this.weights[ordered ? this.order[r] : r];
    const u = this.random() * total;
    let cumulative = 0;
    let lastPossible = ordered ? this.order[0] : argmax(row, V);
    for (let r = 0; r < count; r++) {
      const id = ordered ? this.order[r] : r;
      const w = this.weights[id];
      if (w === 0) continue;
      cumulative += w;
      lastPossible = id;
      if (u < cumulative) return id;
    }
    // Rounding can leave u a hair above the last partial sum.
    return lastPossible;
  }

  /** How many of the first `count` ordered tokens it takes to reach probability topP among them. */
  private nucleusSize(count: number, topP: number): number {
    let total = 0;
    for (let r = 0; r < count; r++) total += this.weights[this.order[r]];
    const target = topP * total;
    let cumulative = 0;
    for (let r = 0; r < count; r++) {
      cumulative += this.weights[this.order[r]];
      if (cumulative >= target) return r + 1;
    }
    return count;
  }
}

/** The first index of the largest value (NaN never wins). */
function argmax(row: Float32Array, length: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < length; i++) {
    if (row[i] > bestValue) {
      bestValue = row[i];
      best = i;
    }
  }
  return best;
}

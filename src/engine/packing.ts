// Load-time transforms of PyTorch weights into the layouts the wasm kernels read
// (see asm/kernels.ts for the panel layout).

import type { Architecture } from './types.js';

/** Columns of one weight panel: 16 float32, one 64-byte cache line per k (asm/kernels.ts). */
export const PANEL_WIDTH = 16;

export function panelCount(rows: number): number {
  return Math.ceil(rows / PANEL_WIDTH);
}

/**
 * Writes W (N rows x K columns, row-major) into dst from index `at` as panels of PANEL_WIDTH
 * rows: panel p, column k holds W[16p .. 16p+15][k] contiguously, zero past row N.
 */
export function packPanels(dst: Float32Array, at: number, W: Float32Array, N: number, K: number): void {
  const panels = panelCount(N);
  for (let p = 0; p < panels; p++) {
    for (let k = 0; k < K; k++) {
      const base = at + (p * K + k) * PANEL_WIDTH;
      for (let c = 0; c < PANEL_WIDTH; c++) {
        const row = p * PANEL_WIDTH + c;
        dst[base + c] = row < N ? W[row * K + k] : 0;
      }
    }
  }
}

export interface FoldedBiases {
  /**
   * Added to the input projection: b_ih + b_hh, except the n block of PyTorch's GRU which keeps
   * b_in alone (b_hn sits inside r * (...)); the GRU with the reset before the product folds all.
   */
  readonly input: Float32Array;
  /** Added to the recurrent projection: GRU only, zeros except b_hn, which sits inside r * (...). */
  readonly recurrent: Float32Array;
}

/** Folds b_ih + b_hh into one vector wherever the cell's equations allow it. */
export function foldBiases(
  architecture: Architecture,
  hiddenSize: number,
  biasIh: Float32Array,
  biasHh: Float32Array,
  gruResetBeforeProduct = false,
): FoldedBiases {
  const input = new Float32Array(biasIh.length);
  const recurrent = new Float32Array(biasIh.length);
  const separateFrom = architecture === 'gru' && !gruResetBeforeProduct ? 2 * hiddenSize : biasIh.length;
  for (let j = 0; j < biasIh.length; j++) {
    if (j < separateFrom) {
      input[j] = biasIh[j] + biasHh[j];
    } else {
      input[j] = biasIh[j];
      recurrent[j] = biasHh[j];
    }
  }
  return { input, recurrent };
}

// Numerically stable scalar and row activations, written against (buffer, offset, length) so the
// fast path can apply them to slices of its scratch without creating subarray views.

import type { OutputActivation } from './types.js';

/** sigma(x) without overflow: exp is only ever taken of a non-positive number. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Softmax of buf[offset .. offset+n) in place, shifted by the row maximum so exp never overflows. */
export function softmaxInPlace(buf: Float32Array, offset: number, n: number): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) if (buf[offset + j] > max) max = buf[offset + j];
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const e = Math.exp(buf[offset + j] - max);
    buf[offset + j] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let j = 0; j < n; j++) buf[offset + j] *= inv;
}

export function sigmoidInPlace(buf: Float32Array, offset: number, n: number): void {
  for (let j = 0; j < n; j++) buf[offset + j] = sigmoid(buf[offset + j]);
}

/** Applies the network's output activation to one row of n values. */
export function applyOutputActivation(
  activation: OutputActivation,
  buf: Float32Array,
  offset: number,
  n: number,
): void {
  if (activation === 'softmax') softmaxInPlace(buf, offset, n);
  else if (activation === 'sigmoid') sigmoidInPlace(buf, offset, n);
}

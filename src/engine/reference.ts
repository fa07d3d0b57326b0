// The yardstick: a direct transcription of PyTorch's RNN/LSTM/GRU equations with plain loops,
// float64 arithmetic inside a step and fresh arrays wherever convenient. Slow on purpose;
// the fast path (network.ts) is tested against it.

import { applyOutputActivation, sigmoid } from './activations.js';
import { checkSequenceArgs, checkStepArgs, embedTokens } from './call-checks.js';
import type { LayerWeights, NetworkSpec, NetworkWeights, RecurrentNetwork, SequenceResult } from './types.js';
import { stateSize } from './types.js';
import { validateNetwork } from './validate.js';

/** Rows [row0, row0+rows) of W (cols wide) times v, plus b over the same rows. */
function affine(W: Float32Array, b: Float32Array, row0: number, rows: number, v: ArrayLike<number>): number[] {
  const cols = v.length;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let sum = b[row0 + r];
    for (let j = 0; j < cols; j++) sum += W[(row0 + r) * cols + j] * v[j];
    out.push(sum);
  }
  return out;
}

interface CellResult {
  h: number[];
  c?: number[];
}

function rnnCell(w: LayerWeights, relu: boolean, x: number[], h: number[]): CellResult {
  const H = h.length;
  const a = affine(w.weightIh, w.biasIh, 0, H, x);
  const b = affine(w.weightHh, w.biasHh, 0, H, h);
  return { h: a.map((v, j) => (relu ? Math.max(0, v + b[j]) : Math.tanh(v + b[j]))) };
}

function lstmCell(w: LayerWeights, x: number[], h: number[], c: number[]): CellResult {
  const H = h.length;
  const gate = (k: number): number[] => {
    const a = affine(w.weightIh, w.biasIh, k * H, H, x);
    const b = affine(w.weightHh, w.biasHh, k * H, H, h);
    return a.map((v, j) => v + b[j]);
  };
  const i = gate(0).map(sigmoid);
  const f = gate(1).map(sigmoid);
  const g = gate(2).map(Math.tanh);
  const o = gate(3).map(sigmoid);
  const cNext = c.map((cj, j) => f[j] * cj + i[j] * g[j]);
  return { h: cNext.map((cj, j) => o[j] * Math.tanh(cj)), c: cNext };
}

function gruCell(w: LayerWeights, x: number[], h: number[], resetBeforeProduct: boolean): CellResult {
  const H = h.length;
  if (resetBeforeProduct) return gruResetBeforeCell(w, x, h);
  const xr = affine(w.weightIh, w.biasIh, 0, H, x);
  const hr = affine(w.weightHh, w.biasHh, 0, H, h);
  const xz = affine(w.weightIh, w.biasIh, H, H, x);
  const hz = affine(w.weightHh, w.biasHh, H, H, h);
  const xn = affine(w.weightIh, w.biasIh, 2 * H, H, x);
  const hn = affine(w.weightHh, w.biasHh, 2 * H, H, h);
  const r = xr.map((v, j) => sigmoid(v + hr[j]));
  const z = xz.map((v, j) => sigmoid(v + hz[j]));
  const n = xn.map((v, j) => Math.tanh(v + r[j] * hn[j]));
  return { h: n.map((nj, j) => (1 - z[j]) * nj + z[j] * h[j]) };
}

/** ONNX linear_before_reset=0: n = tanh(W_in x + b_in + W_hn (r * h) + b_hn). */
function gruResetBeforeCell(w: LayerWeights, x: number[], h: number[]): CellResult {
  const H = h.length;
  const gate = (k: number): number[] => {
    const a = affine(w.weightIh, w.biasIh, k * H, H, x);
    const b = affine(w.weightHh, w.biasHh, k * H, H, h);
    return a.map((v, j) => v + b[j]);
  };
  const r = gate(0).map(sigmoid);
  const z = gate(1).map(sigmoid);
  const xn = affine(w.weightIh, w.biasIh, 2 * H, H, x);
  const hn = affine(w.weightHh, w.biasHh, 2 * H, H, h.map((v, j) => r[j] * v));
  const n = xn.map((v, j) => Math.tanh(v + hn[j]));
  return { h: n.map((nj, j) => (1 - z[j]) * nj + z[j] * h[j]) };
}

function cellStep(spec: NetworkSpec, w: LayerWeights, x: number[], h: number[], c: number[]): CellResult {
  if (spec.architecture === 'rnn') return rnnCell(w, spec.nonlinearity === 'relu', x, h);
  if (spec.architecture === 'lstm') return lstmCell(w, x, h, c);
  return gruCell(w, x, h, spec.gruResetBeforeProduct === true);
}

/**
 * A whole sequence through a reverse or bidirectional network, layer by layer as PyTorch runs
 * it: each direction of a layer reads the layer's whole input (the reverse one from the end),
 * and the next layer reads [forward h_t, backward h_t]. State rows are PyTorch's h_n order.
 */
function runDirectional(spec: NetworkSpec, weights: NetworkWeights, inputs: Float32Array, steps: number, state: Float32Array): Float32Array {
  const { hiddenSize: H, numLayers: L, inputSize: I, outputSize: O } = spec;
  const directions = spec.direction === 'bidirectional' ? [false, true] : [spec.direction === 'reverse'];
  const D = directions.length;
  const isLstm = spec.architecture === 'lstm';
  let layerInput: number[][] = [];
  for (let t = 0; t < steps; t++) layerInput.push(Array.from(inputs.subarray(t * I, (t + 1) * I)));
  for (let k = 0; k < L; k++) {
    const output: number[][] = layerInput.map(() => new Array<number>(D * H).fill(0));
    directions.forEach((backward, d) => {
      const w = d === 1 ? weights.reverseLayers![k]! : weights.layers[k]!;
      const row = k * D + d;
      let h = Array.from(state.subarray(row * H, (row + 1) * H));
      let c = isLstm ? Array.from(state.subarray((L * D + row) * H, (L * D + row + 1) * H)) : [];
      for (let n = 0; n < steps; n++) {
        const t = backward ? steps - 1 - n : n;
        const next = cellStep(spec, w, layerInput[t]!, h, c);
        // Stored as float32, as PyTorch's float32 run keeps them.
        h = Array.from(Float32Array.from(next.h));
        if (next.c !== undefined) c = Array.from(Float32Array.from(next.c));
        for (let j = 0; j < H; j++) output[t]![d * H + j] = h[j]!;
      }
      state.set(h, row * H);
      if (isLstm) state.set(c, (L * D + row) * H);
    });
    layerInput = output;
  }
  const outputs = new Float32Array(steps * O);
  layerInput.forEach((top, t) => {
    const y = weights.head === undefined ? top : affine(weights.head.weight, weights.head.bias, 0, O, top);
    outputs.set(y, t * O);
    applyOutputActivation(spec.outputActivation, outputs, t * O, O);
  });
  return outputs;
}

export function createReferenceNetwork(spec: NetworkSpec, weights: NetworkWeights): RecurrentNetwork {
  validateNetwork(spec, weights, { gruResetBeforeProduct: true, directional: true });
  const causal = (spec.direction ?? 'forward') === 'forward';
  const { hiddenSize: H, numLayers: L, inputSize: I, outputSize: O } = spec;
  const size = stateSize(spec);
  const isLstm = spec.architecture === 'lstm';

  /** One element through every layer: reads and overwrites state (flat layout), writes y into out. */
  function step(x: number[], state: Float32Array, out: Float32Array, outOffset: number): void {
    let input = x;
    for (let k = 0; k < L; k++) {
      const w = weights.layers[k];
      const h = Array.from(state.subarray(k * H, (k + 1) * H));
      const c = isLstm ? Array.from(state.subarray((L + k) * H, (L + k + 1) * H)) : [];
      const next = cellStep(spec, w, input, h, c);
      state.set(next.h, k * H);
      if (next.c !== undefined) state.set(next.c, (L + k) * H);
      // The next layer reads this layer's h as stored (float32), as PyTorch's float32 run does.
      input = Array.from(state.subarray(k * H, (k + 1) * H));
    }
    const y = weights.head === undefined ? input : affine(weights.head.weight, weights.head.bias, 0, O, input);
    out.set(y, outOffset);
    applyOutputActivation(spec.outputActivation, out, outOffset, O);
  }

  return {
    spec,
    stateSize: size,
    maxBatch: Number.MAX_SAFE_INTEGER,
    runSequence(inputs: Float32Array, steps: number, initialState?: Float32Array): SequenceResult {
      checkSequenceArgs(spec, size, inputs, steps, initialState);
      const state = initialState === undefined ? new Float32Array(size) : Float32Array.from(initialState);
      if (!causal) return { outputs: runDirectional(spec, weights, inputs, steps, state), state };
      const outputs = new Float32Array(steps * O);
      for (let t = 0; t < steps; t++) {
        step(Array.from(inputs.subarray(t * I, (t + 1) * I)), state, outputs, t * O);
      }
      return { outputs, state };
    },
    embed(tokens: ArrayLike<number>): Float32Array {
      return embedTokens(spec, weights.embedding, tokens);
    },
    stepBatch(batch: number, x: Float32Array, states: Float32Array, outputs: Float32Array): void {
      if (!causal) throw new Error(`stepBatch: a ${spec.direction} network needs whole sequences (runSequence)`);
      checkStepArgs(spec, size, Number.MAX_SAFE_INTEGER, batch, x, states, outputs);
      for (let b = 0; b < batch; b++) {
        const state = states.subarray(b * size, (b + 1) * size);
        step(Array.from(x.subarray(b * I, (b + 1) * I)), state, outputs, b * O);
      }
    },
  };
}

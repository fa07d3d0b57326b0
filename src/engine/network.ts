// The fast engine: weights packed into a wasm instance's memory, products and cells in wasm
// SIMD (asm/kernels.ts), the time loop and the copies in and out of caller arrays here.
//
// stepBatch runs each layer as two batched products (B x I times W_ih^T, B x H times W_hh^T)
// over the caller's states, gathered into wasm memory, then one cell kernel over the B rows.
// runSequence runs layer by layer: one product projects every element of the layer's input at
// once, then only h_{t-1} . W_hh^T remains per element.
//
// Both paths give the same bits for a sequence (whatever the batch, the row, the chunking): each
// gate value is computed as ((folded bias + x . W_ih^T) + h . W_hh^T), the products summed in
// ascending k by the gemm kernel whatever the number of rows (asm/kernels.ts), and the cells and
// output activations work element by element. Keep that order in both paths when changing either.

import { applyOutputActivation } from './activations.js';
import { checkSequenceArgs, checkStepArgs, embedTokens } from './call-checks.js';
import { instantiateKernels, KERNEL_STATIC_BYTES } from './kernels.js';
import { MemoryPlan } from './memory-plan.js';
import { foldBiases, packPanels, panelCount, PANEL_WIDTH } from './packing.js';
import type { NetworkSpec, NetworkWeights, RecurrentNetwork, SequenceResult } from './types.js';
import { gateCount, stateSize } from './types.js';
import { validateNetwork, type EngineFeatures } from './validate.js';

/** The cells this engine has beyond the base contract. */
export const WASM_ENGINE_FEATURES: EngineFeatures = { gruResetBeforeProduct: true };

export interface NetworkOptions {
  /** Largest batch stepBatch accepts; its scratch is sized for it at construction. Default 64. */
  readonly maxBatch?: number;
}

const DEFAULT_MAX_BATCH = 64;
const MAX_BATCH_LIMIT = 4096;
/**
 * runSequence projects at most this many elements per product, so its scratch is fixed at
 * construction (memory does not grow with T; a sequence up to this long gets a single product).
 */
export const SEQUENCE_CHUNK = 256;
const FLOAT_BYTES = 4;

/** Byte offsets of one layer's packed weights and biases in wasm memory. */
interface PackedLayer {
  readonly inputWidth: number;
  readonly weightIh: number;
  readonly weightHh: number;
  readonly biasInput: number;
  readonly biasRecurrent: number;
  /** GRU with the reset before the product: W_hn packed on its own (weightHh then holds W_hr, W_hz). */
  readonly weightHn: number;
}

function resolveMaxBatch(maxBatch: number | undefined): number {
  const value = maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Number.isInteger(value) || value < 1 || value > MAX_BATCH_LIMIT) {
    throw new Error(`createNetwork: maxBatch must be an integer in 1..${MAX_BATCH_LIMIT}, got ${value}`);
  }
  return value;
}

export function createNetwork(spec: NetworkSpec, weights: NetworkWeights, options: NetworkOptions = {}): RecurrentNetwork {
  // A reverse or bidirectional spec is refused here: withDirectionalLayers composes it of forward ones.
  validateNetwork(spec, weights, WASM_ENGINE_FEATURES);
  const maxBatch = resolveMaxBatch(options.maxBatch);
  const { architecture, inputSize: I, hiddenSize: H, numLayers: L, outputSize: O } = spec;
  const S = stateSize(spec);
  const N = gateCount(architecture) * H;
  const panels = panelCount(N);
  const ldGates = panels * PANEL_WIDTH;
  const headPanels = panelCount(O);
  const ldY = headPanels * PANEL_WIDTH;
  const rows = Math.max(maxBatch, SEQUENCE_CHUNK);
  const relu = spec.nonlinearity === 'relu';
  const resetBefore = architecture === 'gru' && spec.gruResetBeforeProduct === true;
  const panelsRz = panelCount(2 * H);
  const panelsN = panelCount(H);
  const ldN = panelsN * PANEL_WIDTH;

  // ---- memory layout (byte offsets) ----
  const plan = new MemoryPlan(KERNEL_STATIC_BYTES);
  const layers: PackedLayer[] = weights.layers.map((_, k) => {
    const inputWidth = k === 0 ? I : H;
    return {
      inputWidth,
      weightIh: plan.reserve(ldGates * inputWidth),
      weightHh: plan.reserve(ldGates * H),
      biasInput: plan.reserve(ldGates),
      biasRecurrent: plan.reserve(ldGates),
      weightHn: resetBefore ? plan.reserve(ldN * H) : 0,
    };
  });
  const headWeight = spec.hasHead ? plan.reserve(ldY * H) : 0;
  const headBias = spec.hasHead ? plan.reserve(ldY) : 0;
  const xBuf = plan.reserve(rows * I);
  const gatesBuf = plan.reserve(rows * ldGates);
  const yBuf = plan.reserve(rows * ldY);
  const recurrentBuf = plan.reserve(maxBatch * ldGates); // GRU's h . W_hh^T + b_hn
  const statesBuf = plan.reserve(maxBatch * S);
  const sequenceH = [plan.reserve(SEQUENCE_CHUNK * H), plan.reserve(SEQUENCE_CHUNK * H)];
  const sequenceState = plan.reserve(S);
  // GRU with the reset before the product: r * h rows, their product with W_hn, and a zero bias.
  const resetBuf = resetBefore ? plan.reserve(maxBatch * H) : 0;
  const candidateBuf = resetBefore ? plan.reserve(maxBatch * ldN) : 0;
  const zeroBias = resetBefore ? plan.reserve(ldGates) : 0;

  const { kernels, memory } = instantiateKernels(plan.pages());
  /** Index into `memory` (f32 elements) of a byte offset. */
  const at = (byteOffset: number): number => byteOffset / FLOAT_BYTES;

  // ---- weights into wasm memory ----
  weights.layers.forEach((w, k) => {
    const layer = layers[k];
    packPanels(memory, at(layer.weightIh), w.weightIh, N, layer.inputWidth);
    if (resetBefore) {
      packPanels(memory, at(layer.weightHh), w.weightHh.subarray(0, 2 * H * H), 2 * H, H);
      packPanels(memory, at(layer.weightHn), w.weightHh.subarray(2 * H * H), H, H);
    } else {
      packPanels(memory, at(layer.weightHh), w.weightHh, N, H);
    }
    const biases = foldBiases(architecture, H, w.biasIh, w.biasHh, resetBefore);
    memory.set(biases.input, at(layer.biasInput));
    memory.set(biases.recurrent, at(layer.biasRecurrent));
  });
  if (weights.head !== undefined) {
    packPanels(memory, at(headWeight), weights.head.weight, O, H);
    memory.set(weights.head.bias, at(headBias));
  }

  // ---- the pieces of a step ----

  /** gates (B rows, stride ldGates) = input . W_ih^T + folded bias. */
  function projectInput(layer: PackedLayer, B: number, input: number, ldInput: number, gates: number): void {
    kernels.gemm(gates, ldGates, input, ldInput, layer.weightIh, B, panels, layer.inputWidth, layer.biasInput, false);
  }

  /**
   * Adds h_{t-1} . W_hh^T to projected gates and applies the cell: writes h_t (hOut) and, for
   * LSTM, updates c in place. hOut may be hPrev's rows (stepBatch updates states in place).
   */
  function recur(
    layer: PackedLayer, B: number, gates: number,
    hPrev: number, ldPrev: number, hOut: number, ldOut: number, c: number, ldC: number,
  ): void {
    if (resetBefore) {
      kernels.gemm(recurrentBuf, ldGates, hPrev, ldPrev, layer.weightHh, B, panelsRz, H, zeroBias, false);
      kernels.gruResetHidden(gates, recurrentBuf, ldGates, B, H, hPrev, ldPrev, resetBuf, H);
      kernels.gemm(candidateBuf, ldN, resetBuf, H, layer.weightHn, B, panelsN, H, zeroBias, false);
      kernels.gruResetBeforeCell(gates, recurrentBuf, ldGates, candidateBuf, ldN, B, H, hPrev, ldPrev, hOut, ldOut);
      return;
    }
    if (architecture === 'gru') {
      kernels.gemm(recurrentBuf, ldGates, hPrev, ldPrev, layer.weightHh, B, panels, H, layer.biasRecurrent, false);
      kernels.gruCell(gates, recurrentBuf, ldGates, B, H, hPrev, ldPrev, hOut, ldOut);
      return;
    }
    kernels.gemm(gates, ldGates, hPrev, ldPrev, layer.weightHh, B, panels, H, 0, true);
    if (architecture === 'lstm') kernels.lstmCell(gates, ldGates, B, H, hOut, ldOut, c, ldC);
    else kernels.rnnCell(gates, ldGates, B, H, hOut, ldOut, relu);
  }

  /**
   * y rows for B last-layer h rows (byte offset h, stride ldH) into dst from index dstAt,
   * through the head when there is one, then the output activation.
   */
  function emitOutputs(B: number, h: number, ldH: number, dst: Float32Array, dstAt: number): void {
    let src = at(h);
    let ld = ldH;
    if (spec.hasHead) {
      kernels.gemm(yBuf, ldY, h, ldH, headWeight, B, headPanels, H, headBias, false);
      src = at(yBuf);
      ld = ldY;
    }
    for (let b = 0; b < B; b++) {
      const from = src + b * ld;
      const to = dstAt + b * O;
      for (let j = 0; j < O; j++) dst[to + j] = memory[from + j];
      applyOutputActivation(spec.outputActivation, dst, to, O);
    }
  }

  function copyIn(byteOffset: number, src: Float32Array, n: number): void {
    const start = at(byteOffset);
    if (src.length === n) {
      memory.set(src, start);
    } else {
      for (let i = 0; i < n; i++) memory[start + i] = src[i]; // a subarray view would allocate
    }
  }

  function copyOut(dst: Float32Array, byteOffset: number, n: number): void {
    const start = at(byteOffset);
    for (let i = 0; i < n; i++) dst[i] = memory[start + i];
  }

  // ---- the RecurrentNetwork ----

  function stepBatch(batch: number, x: Float32Array, states: Float32Array, outputs: Float32Array): void {
    checkStepArgs(spec, S, maxBatch, batch, x, states, outputs);
    copyIn(xBuf, x, batch * I);
    copyIn(statesBuf, states, batch * S);
    for (let k = 0; k < L; k++) {
      const layer = layers[k];
      const h = statesBuf + k * H * FLOAT_BYTES;
      const c = statesBuf + (L + k) * H * FLOAT_BYTES;
      if (k === 0) projectInput(layer, batch, xBuf, I, gatesBuf);
      else projectInput(layer, batch, h - H * FLOAT_BYTES, S, gatesBuf); // layer k-1's new h, same rows
      recur(layer, batch, gatesBuf, h, S, h, S, c, S);
    }
    emitOutputs(batch, statesBuf + (L - 1) * H * FLOAT_BYTES, S, outputs, 0);
    copyOut(states, statesBuf, batch * S);
  }

  function runSequence(inputs: Float32Array, steps: number, initialState?: Float32Array): SequenceResult {
    checkSequenceArgs(spec, S, inputs, steps, initialState);
    const stateAt = at(sequenceState);
    if (initialState === undefined) memory.fill(0, stateAt, stateAt + S);
    else memory.set(initialState, stateAt);
    const outputs = new Float32Array(steps * O);
    for (let t0 = 0; t0 < steps; t0 += SEQUENCE_CHUNK) {
      const n = Math.min(SEQUENCE_CHUNK, steps - t0);
      memory.set(inputs.subarray(t0 * I, (t0 + n) * I), at(xBuf));
      let input = xBuf;
      let ldInput = I;
      for (let k = 0; k < L; k++) {
        const layer = layers[k];
        const hSeq = sequenceH[k % 2];
        const hState = sequenceState + k * H * FLOAT_BYTES;
        const c = sequenceState + (L + k) * H * FLOAT_BYTES;
        projectInput(layer, n, input, ldInput, gatesBuf);
        for (let t = 0; t < n; t++) {
          const hPrev = t === 0 ? hState : hSeq + (t - 1) * H * FLOAT_BYTES;
          recur(layer, 1, gatesBuf + t * ldGates * FLOAT_BYTES, hPrev, H, hSeq + t * H * FLOAT_BYTES, H, c, H);
        }
        memory.copyWithin(at(hState), at(hSeq) + (n - 1) * H, at(hSeq) + n * H);
        input = hSeq;
        ldInput = H;
      }
      emitOutputs(n, input, H, outputs, t0 * O);
    }
    return { outputs, state: memory.slice(stateAt, stateAt + S) };
  }

  return {
    spec,
    stateSize: S,
    maxBatch,
    runSequence,
    stepBatch,
    embed: (tokens: ArrayLike<number>): Float32Array => embedTokens(spec, weights.embedding, tokens),
  };
}

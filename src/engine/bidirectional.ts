// Reverse and bidirectional networks, composed above the engine contract: every layer and
// direction is a one-layer forward network from the given factory (the wasm engine, the native
// one, the reference), the reverse one fed its layer's input back to front. So any engine that
// runs forward layers runs these, and they compute what PyTorch does: layer k+1 reads
// [forward h_t, backward h_t] of layer k, the head reads the same of the last layer.
//
// Such a network needs the whole sequence before its first output, so it has runSequence only:
// stepBatch throws, and the service never opens a session on it. runSequence allocates per call
// (the reversed copy, each layer's outputs); it serves whole-sequence predict, not a step loop.

import { applyOutputActivation } from './activations.js';
import { checkSequenceArgs, embedTokens } from './call-checks.js';
import type { LayerWeights, NetworkSpec, NetworkWeights, RecurrentNetwork, SequenceResult } from './types.js';
import { directionCount, stateSize } from './types.js';
import { requiredEngineFeatures, validateNetwork } from './validate.js';

export type NetworkFactory = (spec: NetworkSpec, weights: NetworkWeights, options: { maxBatch?: number }) => RecurrentNetwork;

interface Pass {
  readonly network: RecurrentNetwork;
  readonly backward: boolean;
  /** Row of this layer and direction in the state (PyTorch's h_n order). */
  readonly row: number;
}

/** Rows of x (steps x width) in reverse order, as a new array. */
function reversedRows(x: Float32Array, steps: number, width: number): Float32Array {
  const out = new Float32Array(steps * width);
  for (let t = 0; t < steps; t++) out.set(x.subarray(t * width, (t + 1) * width), (steps - 1 - t) * width);
  return out;
}

export function createDirectionalNetwork(spec: NetworkSpec, weights: NetworkWeights, createForward: NetworkFactory): RecurrentNetwork {
  // The cells are the factory's business: it refuses what its engine lacks.
  validateNetwork(spec, weights, requiredEngineFeatures(spec));
  const { hiddenSize: H, numLayers: L, inputSize: I, outputSize: O, architecture } = spec;
  const D = directionCount(spec);
  const S = stateSize(spec);
  const isLstm = architecture === 'lstm';
  const perDirectionState = isLstm ? 2 * H : H;
  const layers: Pass[][] = [];
  for (let k = 0; k < L; k++) {
    const layerSpec: NetworkSpec = {
      architecture,
      inputSize: k === 0 ? I : D * H,
      hiddenSize: H,
      numLayers: 1,
      nonlinearity: spec.nonlinearity,
      outputSize: H,
      hasHead: false,
      outputActivation: 'identity',
      ...(spec.gruResetBeforeProduct === true ? { gruResetBeforeProduct: true } : {}),
    };
    const passes: Pass[] = [];
    for (let d = 0; d < D; d++) {
      const w: LayerWeights = d === 1 ? weights.reverseLayers![k]! : weights.layers[k]!;
      passes.push({
        network: createForward(layerSpec, { layers: [w] }, { maxBatch: 1 }),
        backward: spec.direction === 'reverse' || d === 1,
        row: k * D + d,
      });
    }
    layers.push(passes);
  }

  function applyHead(top: Float32Array, steps: number): Float32Array {
    const width = D * H;
    if (weights.head === undefined) {
      for (let t = 0; t < steps; t++) applyOutputActivation(spec.outputActivation, top, t * O, O);
      return top;
    }
    const { weight, bias } = weights.head;
    const outputs = new Float32Array(steps * O);
    for (let t = 0; t < steps; t++) {
      for (let j = 0; j < O; j++) {
        let sum = bias[j]!;
        for (let i = 0; i < width; i++) sum += weight[j * width + i]! * top[t * width + i]!;
        outputs[t * O + j] = sum;
      }
      applyOutputActivation(spec.outputActivation, outputs, t * O, O);
    }
    return outputs;
  }

  function runSequence(inputs: Float32Array, steps: number, initialState?: Float32Array): SequenceResult {
    checkSequenceArgs(spec, S, inputs, steps, initialState);
    const state = initialState === undefined ? new Float32Array(S) : Float32Array.from(initialState);
    let x = inputs.subarray(0, steps * I);
    let width = I;
    const start = new Float32Array(perDirectionState);
    for (const passes of layers) {
      const out = new Float32Array(steps * D * H);
      let reversed: Float32Array | undefined;
      passes.forEach((pass, d) => {
        start.set(state.subarray(pass.row * H, (pass.row + 1) * H), 0);
        if (isLstm) start.set(state.subarray((L * D + pass.row) * H, (L * D + pass.row + 1) * H), H);
        const source = pass.backward ? (reversed ??= reversedRows(x, steps, width)) : x;
        const result = pass.network.runSequence(source, steps, start);
        for (let n = 0; n < steps; n++) {
          const t = pass.backward ? steps - 1 - n : n;
          out.set(result.outputs.subarray(n * H, (n + 1) * H), (t * D + d) * H);
        }
        state.set(result.state.subarray(0, H), pass.row * H);
        if (isLstm) state.set(result.state.subarray(H, 2 * H), (L * D + pass.row) * H);
      });
      x = out;
      width = D * H;
    }
    return { outputs: applyHead(steps === 0 ? new Float32Array(0) : Float32Array.from(x), steps), state };
  }

  return {
    spec,
    stateSize: S,
    maxBatch: 1,
    runSequence,
    embed: (tokens: ArrayLike<number>): Float32Array => embedTokens(spec, weights.embedding, tokens),
    stepBatch(): void {
      throw new Error(`stepBatch: a ${spec.direction} network needs whole sequences (runSequence)`);
    },
  };
}

/** A factory that builds forward networks itself and composes reverse and bidirectional ones. */
export function withDirectionalLayers(createForward: NetworkFactory): NetworkFactory {
  return (spec, weights, options) =>
    (spec.direction ?? 'forward') === 'forward' ? createForward(spec, weights, options) : createDirectionalNetwork(spec, weights, createForward);
}

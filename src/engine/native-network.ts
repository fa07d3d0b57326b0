// The native engine (native/, C++ over the CPU's widest SIMD): the RecurrentNetwork contract over
// the addon. Arguments are checked here once per call (the same checks as the wasm engine); the
// addon then reads and writes the callers' typed arrays in place. Weights are packed by the addon
// at construction into its own memory, in the layout its kernels read.

import { checkSequenceArgs, checkStepArgs, embedTokens } from './call-checks.js';
import type { NativeAddon } from './native-addon.js';
import type { NetworkOptions } from './network.js';
import type { NetworkSpec, NetworkWeights, RecurrentNetwork, SequenceResult } from './types.js';
import { stateSize } from './types.js';
import { validateNetwork, type EngineFeatures } from './validate.js';

/** Cells the native engine has beyond PyTorch's (directional specs are composed above it). */
export const NATIVE_ENGINE_FEATURES: EngineFeatures = { gruResetBeforeProduct: true };

const DEFAULT_MAX_BATCH = 64;
const MAX_BATCH_LIMIT = 4096;

export interface NativeNetworkOptions extends NetworkOptions {
  /** Kernel table by ISA name; one of addon.supportedIsas. */
  readonly isa: string;
  /**
   * auto (default): a weight matrix whose every value is exactly an f16 (or bf16), as when the
   * package stores it so, is kept in 16 bits and widened in the kernels (same bits, half the
   * memory traffic); f32: always float32 (tests compare the two).
   */
  readonly weightStorage?: 'auto' | 'f32';
}

export interface NativeRecurrentNetwork extends RecurrentNetwork {
  /** Storage of the packed weight matrices: "f32", "f16", "bf16", or several comma-separated. */
  readonly weightTypes: string;
}

export function createNativeNetwork(
  addon: NativeAddon,
  spec: NetworkSpec,
  weights: NetworkWeights,
  options: NativeNetworkOptions,
): NativeRecurrentNetwork {
  validateNetwork(spec, weights, NATIVE_ENGINE_FEATURES);
  const maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
    throw new Error(`createNetwork: maxBatch must be an integer in 1..${MAX_BATCH_LIMIT}, got ${maxBatch}`);
  }
  if (!addon.supportedIsas.includes(options.isa)) {
    throw new Error(`native engine: ISA '${options.isa}' is not supported by this CPU (it runs ${addon.supportedIsas.join(', ')})`);
  }
  const S = stateSize(spec);
  const O = spec.outputSize;
  const native = new addon.NativeNetwork(
    {
      architecture: spec.architecture,
      inputSize: spec.inputSize,
      hiddenSize: spec.hiddenSize,
      numLayers: spec.numLayers,
      outputSize: O,
      hasHead: spec.hasHead,
      relu: spec.nonlinearity === 'relu',
      gruResetBefore: spec.architecture === 'gru' && spec.gruResetBeforeProduct === true,
      outputActivation: spec.outputActivation,
      maxBatch,
      weightStorage: options.weightStorage ?? 'auto',
    },
    weights.layers.map((layer) => ({ ...layer })),
    weights.head === undefined ? null : { ...weights.head },
    options.isa,
  );

  function stepBatch(batch: number, x: Float32Array, states: Float32Array, outputs: Float32Array): void {
    checkStepArgs(spec, S, maxBatch, batch, x, states, outputs);
    native.step(batch, x, states, outputs);
  }

  function runSequence(inputs: Float32Array, steps: number, initialState?: Float32Array): SequenceResult {
    checkSequenceArgs(spec, S, inputs, steps, initialState);
    const state = initialState === undefined ? new Float32Array(S) : initialState.slice();
    const outputs = new Float32Array(steps * O);
    native.run(inputs, steps, state, outputs);
    return { outputs, state };
  }

  return {
    spec,
    stateSize: S,
    maxBatch,
    engine: { name: 'native', isa: native.isa },
    weightTypes: native.weightTypes,
    runSequence,
    stepBatch,
    embed: (tokens: ArrayLike<number>): Float32Array => embedTokens(spec, weights.embedding, tokens),
  };
}

// The engine's vocabulary: what a network is (spec), what it computes with (weights),
// and how a recurrent state is laid out. Nothing here knows about files or HTTP.

export type Architecture = 'rnn' | 'lstm' | 'gru';
export type Nonlinearity = 'tanh' | 'relu';
export type OutputActivation = 'identity' | 'softmax' | 'sigmoid';

/** Gate blocks per layer, PyTorch order: rnn 1, lstm 4 (i, f, g, o), gru 3 (r, z, n). */
export function gateCount(architecture: Architecture): number {
  return architecture === 'lstm' ? 4 : architecture === 'gru' ? 3 : 1;
}

/** Shapes and semantics of a loaded network, resolved from config.json (defaults applied). */
export interface NetworkSpec {
  readonly architecture: Architecture;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  /** Elman RNN only; ignored for lstm and gru. */
  readonly nonlinearity: Nonlinearity;
  /** Width of y_t: the head's output_size, or hiddenSize when there is no head. */
  readonly outputSize: number;
  readonly hasHead: boolean;
  readonly outputActivation: OutputActivation;
  /** Token models: number of rows of the embedding table; absent for vector models. */
  readonly vocabSize?: number;
}

/**
 * One recurrent layer, PyTorch naming, row-major Float32Array.
 * weightIh: (G*H) x inputWidth, weightHh: (G*H) x H, biasIh and biasHh: G*H
 * (zeros when the package has bias=false, so the engine never branches on it).
 */
export interface LayerWeights {
  readonly weightIh: Float32Array;
  readonly weightHh: Float32Array;
  readonly biasIh: Float32Array;
  readonly biasHh: Float32Array;
}

export interface NetworkWeights {
  readonly layers: readonly LayerWeights[];
  /** Linear head: weight outputSize x H, bias outputSize (zeros when head_bias is false). */
  readonly head?: { readonly weight: Float32Array; readonly bias: Float32Array };
  /** Token models: vocabSize x inputSize. */
  readonly embedding?: Float32Array;
}

/**
 * A recurrent state is one flat Float32Array of stateSize(spec) values:
 * h for layers 0..L-1 (L*H values), then, for lstm only, c for layers 0..L-1 (L*H values).
 * This is the layout the session stores persist (raw little-endian float32 bytes) and the
 * layout batched steps gather into one B x stateSize matrix.
 */
export function stateSize(spec: Pick<NetworkSpec, 'architecture' | 'hiddenSize' | 'numLayers'>): number {
  const perLayer = spec.architecture === 'lstm' ? 2 : 1;
  return perLayer * spec.numLayers * spec.hiddenSize;
}

export interface SequenceResult {
  /** T x outputSize, row-major, output activation applied. */
  readonly outputs: Float32Array;
  /** The state after the last element (stateSize values); a new array. */
  readonly state: Float32Array;
}

/**
 * A loaded network. It holds weights and preallocated scratch only; states belong to the caller,
 * so one network serves every session. Not re-entrant: calls must not overlap (JS is single
 * threaded, and no method awaits).
 */
/** Which engine runs a network, and on which instruction set (shown by the models route and metrics). */
export interface EngineInfo {
  readonly name: 'native' | 'wasm' | 'reference';
  /** native: avx512, avx2, neon or baseline; wasm: simd128; reference: scalar. */
  readonly isa: string;
}

export interface RecurrentNetwork {
  readonly spec: NetworkSpec;
  /** Absent on networks made outside the engine (test doubles). */
  readonly engine?: EngineInfo;
  readonly stateSize: number;
  /** Largest batch stepBatch accepts (scratch is sized for it at load time). */
  readonly maxBatch: number;
  /**
   * Runs a whole sequence of `steps` elements (inputs: steps x inputSize) from `initialState`
   * (zeros when absent). The caller's initialState is never modified.
   */
  runSequence(inputs: Float32Array, steps: number, initialState?: Float32Array): SequenceResult;
  /** Token models: embedding rows for the ids (steps x inputSize, a new array). Ids must be valid. */
  embed(tokens: ArrayLike<number>): Float32Array;
  /**
   * Advances `batch` independent sequences by one element each, in place:
   * x is batch x inputSize, states is batch x stateSize (read, then overwritten with the new
   * states), outputs (batch x outputSize) is written. batch <= maxBatch. Allocates nothing.
   */
  stepBatch(batch: number, x: Float32Array, states: Float32Array, outputs: Float32Array): void;
}

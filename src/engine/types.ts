// The engine's vocabulary: what a network is (spec), what it computes with (weights),
// and how a recurrent state is laid out. Nothing here knows about files or HTTP.

export type Architecture = 'rnn' | 'lstm' | 'gru';
export type Nonlinearity = 'tanh' | 'relu';
export type OutputActivation = 'identity' | 'softmax' | 'sigmoid';
/**
 * Which way the layers read the sequence. 'forward' is a causal network (sessions, streams);
 * 'reverse' (ONNX) and 'bidirectional' (PyTorch, ONNX) need the whole sequence first.
 */
export type Direction = 'forward' | 'reverse' | 'bidirectional';

/** Gate blocks per layer, PyTorch order: rnn 1, lstm 4 (i, f, g, o), gru 3 (r, z, n). */
export function gateCount(architecture: Architecture): number {
  return architecture === 'lstm' ? 4 : architecture === 'gru' ? 3 : 1;
}

/** 1, or 2 for a bidirectional network (each layer's output is forward then backward halves). */
export function directionCount(spec: Pick<NetworkSpec, 'direction'>): number {
  return spec.direction === 'bidirectional' ? 2 : 1;
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
  /**
   * Absent means 'forward'. createNetwork builds forward networks only; createDirectionalNetwork
   * (bidirectional.ts) composes the others from per-layer, per-direction forward networks.
   */
  readonly direction?: Direction;
  /**
   * GRU only. Absent or false: PyTorch's cell, n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
   * (ONNX linear_before_reset=1, Keras reset_after=True). True: the reset gate applies to h
   * before the product, n = tanh(W_in x + b_in + W_hn (r * h) + b_hn) (ONNX linear_before_reset=0,
   * Keras reset_after=False). An engine without this cell refuses it in createNetwork (see
   * EngineFeatures in validate.ts).
   */
  readonly gruResetBeforeProduct?: boolean;
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
  /** Per layer; for direction 'reverse', the reverse-direction weights. */
  readonly layers: readonly LayerWeights[];
  /** Bidirectional only: the reverse direction of each layer (PyTorch's `_reverse` tensors). */
  readonly reverseLayers?: readonly LayerWeights[];
  /** Linear head: weight outputSize x (directions * H), bias outputSize (zeros when head_bias is false). */
  readonly head?: { readonly weight: Float32Array; readonly bias: Float32Array };
  /** Token models: vocabSize x inputSize. */
  readonly embedding?: Float32Array;
}

/**
 * A recurrent state is one flat Float32Array of stateSize(spec) values:
 * h for layers 0..L-1 (L*H values), then, for lstm only, c for layers 0..L-1 (L*H values).
 * This is the layout the session stores persist (raw little-endian float32 bytes) and the
 * layout batched steps gather into one B x stateSize matrix.
 * A bidirectional network has PyTorch's h_n rows: layer 0 forward, layer 0 backward, layer 1
 * forward, ... (2L rows of H), then c in the same order.
 */
export function stateSize(spec: Pick<NetworkSpec, 'architecture' | 'hiddenSize' | 'numLayers' | 'direction'>): number {
  const perLayer = spec.architecture === 'lstm' ? 2 : 1;
  return perLayer * spec.numLayers * directionCount(spec) * spec.hiddenSize;
}

export interface SequenceResult {
  /** T x outputSize, row-major, output activation applied. */
  readonly outputs: Float32Array;
  /** The state after the last element (stateSize values); a new array. */
  readonly state: Float32Array;
  /** True when every value of outputs and state was checked finite already (src/engine/finite.ts). */
  readonly finite?: boolean;
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

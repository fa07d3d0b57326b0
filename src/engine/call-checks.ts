// Per-call argument checks shared by every RecurrentNetwork implementation. They run once per
// call (never per element), and turn a wrong length or batch into a clear Error instead of a
// silent out-of-range read.

import type { NetworkSpec } from './types.js';

export function checkSequenceArgs(
  spec: NetworkSpec,
  stateLength: number,
  inputs: Float32Array,
  steps: number,
  initialState: Float32Array | undefined,
): void {
  if (!Number.isInteger(steps) || steps < 0) {
    throw new Error(`runSequence: steps must be a non-negative integer, got ${steps}`);
  }
  if (inputs.length < steps * spec.inputSize) {
    throw new Error(
      `runSequence: inputs has ${inputs.length} values, need ${steps * spec.inputSize} (${steps} x ${spec.inputSize})`,
    );
  }
  if (initialState !== undefined && initialState.length !== stateLength) {
    throw new Error(`runSequence: initialState has ${initialState.length} values, expected ${stateLength}`);
  }
}

export function checkStepArgs(
  spec: NetworkSpec,
  stateLength: number,
  maxBatch: number,
  batch: number,
  x: Float32Array,
  states: Float32Array,
  outputs: Float32Array,
): void {
  if (!Number.isInteger(batch) || batch < 0 || batch > maxBatch) {
    throw new Error(`stepBatch: batch must be an integer in 0..${maxBatch}, got ${batch}`);
  }
  if (x.length < batch * spec.inputSize) {
    throw new Error(`stepBatch: x has ${x.length} values, need ${batch * spec.inputSize} (${batch} x ${spec.inputSize})`);
  }
  if (states.length < batch * stateLength) {
    throw new Error(`stepBatch: states has ${states.length} values, need ${batch * stateLength} (${batch} x ${stateLength})`);
  }
  if (outputs.length < batch * spec.outputSize) {
    throw new Error(
      `stepBatch: outputs has ${outputs.length} values, need ${batch * spec.outputSize} (${batch} x ${spec.outputSize})`,
    );
  }
}

/** Copies the embedding rows of `tokens`; throws on an id outside 0..vocabSize-1. */
export function embedTokens(
  spec: NetworkSpec,
  embedding: Float32Array | undefined,
  tokens: ArrayLike<number>,
): Float32Array {
  if (embedding === undefined || spec.vocabSize === undefined) {
    throw new Error('embed: this network has no embedding (not a token model)');
  }
  const I = spec.inputSize;
  const out = new Float32Array(tokens.length * I);
  for (let t = 0; t < tokens.length; t++) {
    const id = tokens[t];
    if (!Number.isInteger(id) || id < 0 || id >= spec.vocabSize) {
      throw new Error(`embed: token id ${id} at position ${t} is outside 0..${spec.vocabSize - 1}`);
    }
    out.set(embedding.subarray(id * I, (id + 1) * I), t * I);
  }
  return out;
}

// Load-time checks: every weight tensor has exactly the length its spec implies, so the hot
// loops never need to look. Errors name the tensor and both lengths.

import type { LayerWeights, NetworkSpec, NetworkWeights } from './types.js';
import { directionCount, gateCount } from './types.js';

/**
 * Cells beyond the base contract (PyTorch's RNN, LSTM, GRU) that an engine implements. An engine
 * passes what it has; a spec needing anything else is refused at createNetwork, so an engine
 * written before a cell existed refuses it instead of computing another one.
 */
export interface EngineFeatures {
  /** GRU with the reset gate before the recurrent product (spec.gruResetBeforeProduct). */
  readonly gruResetBeforeProduct?: boolean;
  /** Reverse and bidirectional specs run as they are (otherwise: createDirectionalNetwork composes them). */
  readonly directional?: boolean;
}

/** What the spec needs beyond the base contract (for routing a model to an engine that has it). */
export function requiredEngineFeatures(spec: NetworkSpec): EngineFeatures {
  return {
    ...(spec.architecture === 'gru' && spec.gruResetBeforeProduct === true ? { gruResetBeforeProduct: true } : {}),
    ...((spec.direction ?? 'forward') !== 'forward' ? { directional: true } : {}),
  };
}

function checkPositiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`network spec: ${name} must be a positive integer, got ${value}`);
  }
}

function checkLength(name: string, tensor: Float32Array | undefined, rows: number, cols = 1): void {
  if (!(tensor instanceof Float32Array)) {
    throw new Error(`network weights: ${name} is missing (expected a Float32Array)`);
  }
  const expected = rows * cols;
  if (tensor.length !== expected) {
    const shape = cols === 1 ? `${rows}` : `${rows} x ${cols}`;
    throw new Error(`network weights: ${name} has ${tensor.length} values, expected ${expected} (${shape})`);
  }
}

function checkLayers(spec: NetworkSpec, layers: readonly LayerWeights[], name: string): void {
  const H = spec.hiddenSize;
  const G = gateCount(spec.architecture);
  const below = directionCount(spec) * H;
  layers.forEach((layer, k) => {
    const inputWidth = k === 0 ? spec.inputSize : below;
    checkLength(`${name} ${k} weightIh`, layer.weightIh, G * H, inputWidth);
    checkLength(`${name} ${k} weightHh`, layer.weightHh, G * H, H);
    checkLength(`${name} ${k} biasIh`, layer.biasIh, G * H);
    checkLength(`${name} ${k} biasHh`, layer.biasHh, G * H);
  });
}

/**
 * Throws a clear Error when the spec is malformed, a weight tensor does not fit it, or it needs
 * a cell the calling engine does not have (`features`: what it has; default none).
 */
export function validateNetwork(spec: NetworkSpec, weights: NetworkWeights, features: EngineFeatures = {}): void {
  if (requiredEngineFeatures(spec).gruResetBeforeProduct === true && features.gruResetBeforeProduct !== true) {
    throw new Error(
      'network spec: this engine has no GRU cell with the reset gate before the recurrent product ' +
        '(ONNX linear_before_reset=0, Keras reset_after=False); the WebAssembly engine has it',
    );
  }
  if (requiredEngineFeatures(spec).directional === true && features.directional !== true) {
    throw new Error(
      `network spec: this engine builds forward networks; a ${spec.direction} one is composed of them by createDirectionalNetwork`,
    );
  }
  checkPositiveInteger('inputSize', spec.inputSize);
  checkPositiveInteger('hiddenSize', spec.hiddenSize);
  checkPositiveInteger('numLayers', spec.numLayers);
  checkPositiveInteger('outputSize', spec.outputSize);
  const top = directionCount(spec) * spec.hiddenSize;
  if (!spec.hasHead && spec.outputSize !== top) {
    throw new Error(
      `network spec: without a head outputSize must equal ${spec.direction === 'bidirectional' ? '2 x ' : ''}hiddenSize (${top}), got ${spec.outputSize}`,
    );
  }
  if (weights.layers.length !== spec.numLayers) {
    throw new Error(`network weights: ${weights.layers.length} layers given, spec has ${spec.numLayers}`);
  }
  checkLayers(spec, weights.layers, 'layer');
  if (spec.direction === 'bidirectional') {
    if (weights.reverseLayers?.length !== spec.numLayers) {
      throw new Error(`network weights: a bidirectional spec needs ${spec.numLayers} reverseLayers, got ${weights.reverseLayers?.length ?? 0}`);
    }
    checkLayers(spec, weights.reverseLayers, 'reverse layer');
  } else if (weights.reverseLayers !== undefined) {
    throw new Error('network weights: reverseLayers are given but the spec is not bidirectional');
  }
  if (spec.hasHead) {
    if (weights.head === undefined) throw new Error('network weights: head is missing but the spec has one');
    checkLength('head weight', weights.head.weight, spec.outputSize, top);
    checkLength('head bias', weights.head.bias, spec.outputSize);
  } else if (weights.head !== undefined) {
    throw new Error('network weights: a head is given but the spec has none');
  }
  if (spec.vocabSize !== undefined) {
    checkPositiveInteger('vocabSize', spec.vocabSize);
    checkLength('embedding', weights.embedding, spec.vocabSize, spec.inputSize);
  }
}

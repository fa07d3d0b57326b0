// Load-time checks: every weight tensor has exactly the length its spec implies, so the hot
// loops never need to look. Errors name the tensor and both lengths.

import type { NetworkSpec, NetworkWeights } from './types.js';
import { gateCount } from './types.js';

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

/** Throws a clear Error when the spec is malformed or a weight tensor does not fit it. */
export function validateNetwork(spec: NetworkSpec, weights: NetworkWeights): void {
  checkPositiveInteger('inputSize', spec.inputSize);
  checkPositiveInteger('hiddenSize', spec.hiddenSize);
  checkPositiveInteger('numLayers', spec.numLayers);
  checkPositiveInteger('outputSize', spec.outputSize);
  if (!spec.hasHead && spec.outputSize !== spec.hiddenSize) {
    throw new Error(
      `network spec: without a head outputSize must equal hiddenSize (${spec.hiddenSize}), got ${spec.outputSize}`,
    );
  }
  const H = spec.hiddenSize;
  const G = gateCount(spec.architecture);
  if (weights.layers.length !== spec.numLayers) {
    throw new Error(`network weights: ${weights.layers.length} layers given, spec has ${spec.numLayers}`);
  }
  weights.layers.forEach((layer, k) => {
    const inputWidth = k === 0 ? spec.inputSize : H;
    checkLength(`layer ${k} weightIh`, layer.weightIh, G * H, inputWidth);
    checkLength(`layer ${k} weightHh`, layer.weightHh, G * H, H);
    checkLength(`layer ${k} biasIh`, layer.biasIh, G * H);
    checkLength(`layer ${k} biasHh`, layer.biasHh, G * H);
  });
  if (spec.hasHead) {
    if (weights.head === undefined) throw new Error('network weights: head is missing but the spec has one');
    checkLength('head weight', weights.head.weight, spec.outputSize, H);
    checkLength('head bias', weights.head.bias, spec.outputSize);
  } else if (weights.head !== undefined) {
    throw new Error('network weights: a head is given but the spec has none');
  }
  if (spec.vocabSize !== undefined) {
    checkPositiveInteger('vocabSize', spec.vocabSize);
    checkLength('embedding', weights.embedding, spec.vocabSize, spec.inputSize);
  }
}

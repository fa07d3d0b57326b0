// An ONNX model package: model.onnx, and optionally a config.json beside it for what a graph
// cannot say (description, version, labels, vocab, normalization). Sizes may be repeated there;
// when they are, they must agree with the graph. The network itself always comes from the graph
// (recognize-graph.ts); the result is the same LoadedPackage a PyTorch package gives.

import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { NetworkWeights } from '../../engine/types.js';
import { checkCrossFields } from '../config-checks.js';
import { DEFAULT_TENSOR_PREFIX, ModelConfigFile, toNetworkSpec, type ModelConfig } from '../config-schema.js';
import { ModelPackageError } from '../errors.js';
import { describeSchemaErrors, describeValue } from '../schema-errors.js';
import { decodeOnnxModel } from './onnx-proto.js';
import { recognizeGraph, type RecognizedNetwork } from './recognize-graph.js';

const shared = ModelConfigFile.properties;

/** config.json beside model.onnx: every key optional, the weight-layout keys (bias, tensor_prefix...) absent. */
export const OnnxSidecarConfig = Type.Object(
  {
    layout: Type.Optional(Type.Literal('onnx')),
    description: shared.description,
    version: shared.version,
    labels: shared.labels,
    vocab: shared.vocab,
    normalization: shared.normalization,
    architecture: Type.Optional(Type.Enum(['rnn', 'lstm', 'gru'])),
    input_size: Type.Optional(Type.Integer({ minimum: 1 })),
    hidden_size: Type.Optional(Type.Integer({ minimum: 1 })),
    num_layers: shared.num_layers,
    bidirectional: shared.bidirectional,
    nonlinearity: shared.nonlinearity,
    output_size: shared.output_size,
    output_activation: shared.output_activation,
  },
  { additionalProperties: false },
);
export type OnnxSidecarConfig = Static<typeof OnnxSidecarConfig>;

function parseSidecar(json: unknown, file: string): OnnxSidecarConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelPackageError(`${file}: must be a JSON object, found ${describeValue(json)}`);
  }
  if (Value.Check(OnnxSidecarConfig, json)) return json;
  const allowed = (path: string): readonly string[] =>
    path === '' ? Object.keys(OnnxSidecarConfig.properties) : path === '/normalization' ? ['input', 'output'] : ['mean', 'std'];
  const problems = describeSchemaErrors(Value.Errors(OnnxSidecarConfig, json), json, allowed);
  throw new ModelPackageError(`${file}: ${problems.join('; ')} (beside model.onnx, config.json holds what the graph cannot say)`);
}

/** Sizes repeated in config.json must be what the graph says. */
function checkAgreement(sidecar: OnnxSidecarConfig, graph: RecognizedNetwork, file: string): void {
  const facts: Record<string, unknown> = {
    architecture: graph.architecture,
    input_size: graph.inputSize,
    hidden_size: graph.hiddenSize,
    num_layers: graph.numLayers,
    bidirectional: graph.direction === 'bidirectional',
    nonlinearity: graph.nonlinearity,
    output_size: graph.outputSize,
    output_activation: graph.outputActivation,
  };
  const problems: string[] = [];
  for (const [key, fact] of Object.entries(facts)) {
    const given = (sidecar as Record<string, unknown>)[key];
    if (given !== undefined && given !== fact) {
      problems.push(`${key} is ${describeValue(given)}, but model.onnx's graph has ${fact === undefined ? 'no head' : describeValue(fact)}`);
    }
  }
  if (graph.vocabSize !== undefined && sidecar.vocab === undefined) {
    problems.push(`model.onnx takes token ids (an embedding of ${graph.vocabSize} rows): config.json needs a vocab of ${graph.vocabSize} entries`);
  }
  if (sidecar.vocab !== undefined && graph.vocabSize !== undefined && sidecar.vocab.length !== graph.vocabSize) {
    problems.push(`vocab has ${sidecar.vocab.length} entries, but model.onnx's embedding has ${graph.vocabSize} rows`);
  }
  if (sidecar.vocab !== undefined && graph.vocabSize === undefined) {
    problems.push("vocab is set, but model.onnx's graph takes vectors (it has no embedding)");
  }
  if (problems.length > 0) throw new ModelPackageError(`${file}: ${problems.join('; ')}`);
}

function toModelConfig(graph: RecognizedNetwork, sidecar: OnnxSidecarConfig, file: string): ModelConfig {
  const config: ModelConfig = {
    architecture: graph.architecture,
    input_size: graph.inputSize,
    hidden_size: graph.hiddenSize,
    num_layers: graph.numLayers,
    direction: graph.direction,
    gru_reset_before_product: graph.gruResetBeforeProduct,
    nonlinearity: graph.nonlinearity,
    bias: true,
    head_bias: true,
    ...(graph.outputSize !== undefined ? { output_size: graph.outputSize } : {}),
    output_activation: graph.outputActivation,
    tensor_prefix: DEFAULT_TENSOR_PREFIX,
    layout: 'onnx',
    ...(sidecar.vocab !== undefined ? { vocab: sidecar.vocab } : {}),
    ...(sidecar.labels !== undefined ? { labels: sidecar.labels } : {}),
    ...(sidecar.description !== undefined ? { description: sidecar.description } : {}),
    ...(sidecar.version !== undefined ? { version: sidecar.version } : {}),
    ...(sidecar.normalization !== undefined ? { normalization: sidecar.normalization } : {}),
  };
  checkCrossFields(file, {}, config);
  return config;
}

export interface OnnxPackage {
  readonly config: ModelConfig;
  readonly weights: NetworkWeights;
}

/**
 * `onnxBytes` is model.onnx, `configJson` the parsed config.json beside it (undefined when there
 * is none); `label` names the package in messages ("<model>").
 */
export function loadOnnxPackage(onnxBytes: Uint8Array, configJson: unknown, label: string): OnnxPackage {
  const configFile = `${label}/config.json`;
  const sidecar = configJson === undefined ? {} : parseSidecar(configJson, configFile);
  const graph = recognizeGraph(decodeOnnxModel(onnxBytes, `${label}/model.onnx`), `${label}/model.onnx`);
  checkAgreement(sidecar, graph, configFile);
  const config = toModelConfig(graph, sidecar, configFile);
  // The spec derived from the config must be the graph's (it is, by construction; cheap to keep honest).
  const spec = toNetworkSpec(config);
  if (spec.vocabSize !== graph.vocabSize) throw new ModelPackageError(`${configFile}: vocab does not match the embedding`);
  return { config, weights: graph.weights };
}

// config.json of a model package (docs/model-format.md), plus one extension, `normalization`:
// per-feature mean and std so clients send and receive raw values; the server feeds
// (x - mean) / std to the network and returns y * std + mean (after the output activation).
// Unknown keys are rejected: a typo such as "num_layer" must never silently become a default.

import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { Direction, NetworkSpec } from '../engine/types.js';
import { checkCrossFields, outputWidth } from './config-checks.js';
import { ModelPackageError } from './errors.js';
import { describeSchemaErrors, describeValue } from './schema-errors.js';

const PositiveInteger = Type.Integer({ minimum: 1 });
const Affine = Type.Object(
  {
    mean: Type.Array(Type.Number()),
    std: Type.Array(Type.Number({ exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export const ModelConfigFile = Type.Object(
  {
    architecture: Type.Enum(['rnn', 'lstm', 'gru']),
    input_size: PositiveInteger,
    hidden_size: PositiveInteger,
    num_layers: Type.Optional(PositiveInteger),
    bidirectional: Type.Optional(Type.Boolean()),
    nonlinearity: Type.Optional(Type.Enum(['tanh', 'relu'])),
    bias: Type.Optional(Type.Boolean()),
    head_bias: Type.Optional(Type.Boolean()),
    output_size: Type.Optional(PositiveInteger),
    output_activation: Type.Optional(Type.Enum(['identity', 'softmax', 'sigmoid'])),
    vocab: Type.Optional(Type.Array(Type.String())),
    unk_token: Type.Optional(Type.String({ minLength: 1 })),
    labels: Type.Optional(Type.Array(Type.String())),
    tensor_prefix: Type.Optional(
      Type.Object(
        {
          rnn: Type.Optional(Type.String({ minLength: 1 })),
          head: Type.Optional(Type.String({ minLength: 1 })),
          embedding: Type.Optional(Type.String({ minLength: 1 })),
        },
        { additionalProperties: false },
      ),
    ),
    layout: Type.Optional(Type.Enum(['torch', 'seed'])),
    description: Type.Optional(Type.String()),
    version: Type.Optional(Type.String()),
    normalization: Type.Optional(
      Type.Object({ input: Type.Optional(Affine), output: Type.Optional(Affine) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

/** config.json exactly as written (optional keys may be absent). */
export type ModelConfigFile = Static<typeof ModelConfigFile>;

export interface AffineNormalizationConfig {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** config.json with every default applied; snake_case keys as in the file. */
export interface ModelConfig {
  readonly architecture: 'rnn' | 'lstm' | 'gru';
  readonly input_size: number;
  readonly hidden_size: number;
  readonly num_layers: number;
  /** 'bidirectional' from config.json's `bidirectional: true`; ONNX graphs may also say 'reverse'. */
  readonly direction: Direction;
  /** GRU only: the cell of ONNX linear_before_reset=0 (only ONNX packages set it). */
  readonly gru_reset_before_product: boolean;
  readonly nonlinearity: 'tanh' | 'relu';
  readonly bias: boolean;
  readonly head_bias: boolean;
  /** Present: a linear head; absent: outputs are the last layer's hidden state. */
  readonly output_size?: number;
  readonly output_activation: 'identity' | 'softmax' | 'sigmoid';
  readonly vocab?: readonly string[];
  /** A vocab entry that stands for text outside the vocabulary (a request's unknown "replace"). */
  readonly unk_token?: string;
  readonly labels?: readonly string[];
  readonly tensor_prefix: { readonly rnn: string; readonly head: string; readonly embedding: string };
  readonly layout: 'torch' | 'seed' | 'onnx';
  readonly description?: string;
  readonly version?: string;
  readonly normalization?: {
    readonly input?: AffineNormalizationConfig;
    readonly output?: AffineNormalizationConfig;
  };
}

export const DEFAULT_TENSOR_PREFIX = { rnn: 'rnn', head: 'fc', embedding: 'embedding' } as const;

export { outputWidth };

export function toNetworkSpec(config: ModelConfig): NetworkSpec {
  return {
    architecture: config.architecture,
    inputSize: config.input_size,
    hiddenSize: config.hidden_size,
    numLayers: config.num_layers,
    nonlinearity: config.nonlinearity,
    outputSize: outputWidth(config),
    hasHead: config.output_size !== undefined,
    outputActivation: config.output_activation,
    ...(config.vocab !== undefined ? { vocabSize: config.vocab.length } : {}),
    ...(config.direction !== 'forward' ? { direction: config.direction } : {}),
    ...(config.gru_reset_before_product ? { gruResetBeforeProduct: true } : {}),
  };
}

function allowedKeysAt(instancePath: string): readonly string[] {
  if (instancePath === '') return Object.keys(ModelConfigFile.properties);
  if (instancePath === '/tensor_prefix') return Object.keys(DEFAULT_TENSOR_PREFIX);
  if (instancePath === '/normalization') return ['input', 'output'];
  return ['mean', 'std'];
}

function checkSchema(json: unknown, file: string): ModelConfigFile {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelPackageError(`${file}: must be a JSON object, found ${describeValue(json)}`);
  }
  if (Value.Check(ModelConfigFile, json)) return json;
  const problems = describeSchemaErrors(Value.Errors(ModelConfigFile, json), json, allowedKeysAt);
  throw new ModelPackageError(`${file}: ${problems.join('; ')}`);
}

/**
 * Validates a parsed config.json and returns it with defaults applied.
 * `file` names the config in error messages (e.g. "my-model/config.json").
 */
export function parseModelConfig(json: unknown, file: string): ModelConfig {
  const raw = checkSchema(json, file);
  const { bidirectional, ...rest } = raw;
  const config: ModelConfig = {
    ...rest,
    num_layers: raw.num_layers ?? 1,
    direction: bidirectional === true ? 'bidirectional' : 'forward',
    gru_reset_before_product: false,
    nonlinearity: raw.nonlinearity ?? 'tanh',
    bias: raw.bias ?? true,
    head_bias: raw.head_bias ?? true,
    output_activation: raw.output_activation ?? 'identity',
    tensor_prefix: { ...DEFAULT_TENSOR_PREFIX, ...raw.tensor_prefix },
    layout: raw.layout ?? 'torch',
  };
  checkCrossFields(file, raw, config);
  return config;
}

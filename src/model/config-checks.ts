// Cross-field rules of config.json that a JSON schema cannot express: lengths that depend on
// sizes, names that must be unique, what the "seed" layout can represent.

import { ModelPackageError } from './errors.js';
import type { AffineNormalizationConfig, ModelConfig, ModelConfigFile } from './config-schema.js';

/** Width of y_t: the head's output_size, or hidden_size (twice when bidirectional) without a head. */
export function outputWidth(config: Pick<ModelConfig, 'output_size' | 'hidden_size'> & Partial<Pick<ModelConfig, 'direction'>>): number {
  return config.output_size ?? config.hidden_size * (config.direction === 'bidirectional' ? 2 : 1);
}

function fail(file: string, message: string): never {
  throw new ModelPackageError(`${file}: ${message}`);
}

function checkNames(file: string, key: string, names: readonly string[], expectedLength?: number, lengthReason?: string): void {
  if (names.length === 0) fail(file, `${key} must not be empty`);
  if (expectedLength !== undefined && names.length !== expectedLength) {
    fail(file, `${key} has ${names.length} entries, expected ${expectedLength} (${lengthReason})`);
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) fail(file, `${key} has the entry ${JSON.stringify(name)} twice; entries must be unique`);
    seen.add(name);
  }
}

function checkAffine(file: string, key: string, affine: AffineNormalizationConfig, width: number, widthReason: string): void {
  for (const part of ['mean', 'std'] as const) {
    if (affine[part].length !== width) {
      fail(file, `${key}.${part} has ${affine[part].length} values, expected ${width} (${widthReason})`);
    }
  }
}

function checkSeedLayout(file: string, raw: Pick<ModelConfigFile, 'tensor_prefix'>, config: ModelConfig): void {
  const reasons: string[] = [];
  if (config.architecture !== 'rnn') reasons.push(`architecture is '${config.architecture}', seed needs 'rnn'`);
  if (config.nonlinearity !== 'tanh') reasons.push(`nonlinearity is '${config.nonlinearity}', seed needs 'tanh'`);
  if (config.num_layers !== 1) reasons.push(`num_layers is ${config.num_layers}, seed needs 1`);
  if (config.output_size === undefined) reasons.push('output_size is absent, seed has a head (Why, by)');
  if (!config.bias) reasons.push('bias is false, seed always has bh');
  if (!config.head_bias) reasons.push('head_bias is false, seed always has by');
  if (config.vocab !== undefined) reasons.push('vocab is set, seed has no embedding');
  if (config.direction !== 'forward') reasons.push('bidirectional is set, seed is one forward layer');
  if (raw.tensor_prefix !== undefined) reasons.push('tensor_prefix is set, seed uses the fixed names Wxh, Whh, Why, bh, by');
  if (reasons.length > 0) fail(file, `layout 'seed' does not fit this config: ${reasons.join('; ')}`);
}

export function checkCrossFields(file: string, raw: Pick<ModelConfigFile, 'tensor_prefix'>, config: ModelConfig): void {
  if (config.architecture !== 'rnn' && config.nonlinearity === 'relu') {
    fail(file, `nonlinearity 'relu' applies to architecture 'rnn' only, found architecture '${config.architecture}'`);
  }
  if (config.output_size === undefined && !config.head_bias) {
    fail(file, 'head_bias is false but there is no head (output_size is absent)');
  }
  const width = outputWidth(config);
  const widthReason =
    config.output_size !== undefined
      ? `output_size ${width}`
      : config.direction === 'bidirectional'
        ? `2 x hidden_size ${config.hidden_size}, bidirectional, no head`
        : `hidden_size ${width}, no head`;
  if (config.labels !== undefined) checkNames(file, 'labels', config.labels, width, widthReason);
  if (config.vocab !== undefined) checkNames(file, 'vocab', config.vocab);
  if (config.unk_token !== undefined && !(config.vocab ?? []).includes(config.unk_token)) {
    fail(file, `unk_token ${JSON.stringify(config.unk_token)} is not in vocab; it must be one of its entries`);
  }
  const normalization = config.normalization;
  if (normalization?.input !== undefined) {
    if (config.vocab !== undefined) fail(file, 'normalization.input does not apply to a token model (vocab is set)');
    checkAffine(file, 'normalization.input', normalization.input, config.input_size, `input_size ${config.input_size}`);
  }
  if (normalization?.output !== undefined) {
    checkAffine(file, 'normalization.output', normalization.output, width, widthReason);
  }
  if (config.layout === 'seed') checkSeedLayout(file, raw, config);

}


// config.json rules beyond the schema basics covered in model-package-errors.test.ts:
// defaults, the cross-field checks, the normalization extension and the NetworkSpec mapping.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseModelConfig, toNetworkSpec } from '../../src/model/config-schema.js';
import { ModelPackageError } from '../../src/model/errors.js';

const FILE = 'demo/config.json';
const minimal = { architecture: 'rnn', input_size: 3, hidden_size: 4 } as const;

function expectConfigError(json: unknown, ...fragments: string[]): void {
  assert.throws(
    () => parseModelConfig(json, FILE),
    (error: unknown) => {
      assert.ok(error instanceof ModelPackageError, `expected a ModelPackageError, got ${String(error)}`);
      assert.ok(error.message.startsWith(`${FILE}: `), `message ${JSON.stringify(error.message)} does not name the file`);
      for (const fragment of fragments) {
        assert.ok(error.message.includes(fragment), `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`);
      }
      return true;
    },
  );
}

describe('parseModelConfig', () => {
  it('applies every default', () => {
    assert.deepEqual(parseModelConfig(minimal, FILE), {
      ...minimal,
      num_layers: 1,
      direction: 'forward',
      gru_reset_before_product: false,
      nonlinearity: 'tanh',
      bias: true,
      head_bias: true,
      output_activation: 'identity',
      tensor_prefix: { rnn: 'rnn', head: 'fc', embedding: 'embedding' },
      layout: 'torch',
    });
  });

  it('merges a partial tensor_prefix with the defaults', () => {
    const config = parseModelConfig({ ...minimal, tensor_prefix: { rnn: 'lstm' } }, FILE);
    assert.deepEqual(config.tensor_prefix, { rnn: 'lstm', head: 'fc', embedding: 'embedding' });
  });

  it('rejects unknown keys inside nested objects', () => {
    expectConfigError({ ...minimal, tensor_prefix: { linear: 'x' } }, "unknown key 'linear' in tensor_prefix (allowed: rnn, head, embedding)");
    expectConfigError({ ...minimal, normalization: { inputs: {} } }, "unknown key 'inputs' in normalization (allowed: input, output)");
  });

  it('rejects missing required keys and values outside their enum', () => {
    expectConfigError({ input_size: 3 }, "missing required key 'architecture', 'hidden_size'");
    expectConfigError({ ...minimal, architecture: 'transformer' }, 'architecture must be one of "rnn", "lstm", "gru", found "transformer"');
    expectConfigError({ ...minimal, hidden_size: 0 }, 'hidden_size must be >= 1, found 0');
    expectConfigError([minimal], 'must be a JSON object, found [');
  });

  it('rejects relu for lstm and gru', () => {
    expectConfigError({ ...minimal, architecture: 'lstm', nonlinearity: 'relu' }, "nonlinearity 'relu' applies to architecture 'rnn' only, found architecture 'lstm'");
  });

  it('rejects head_bias false without a head', () => {
    expectConfigError({ ...minimal, head_bias: false }, 'head_bias is false but there is no head (output_size is absent)');
  });

  it('checks labels against the output width, with or without a head', () => {
    expectConfigError({ ...minimal, labels: ['a', 'b'] }, 'labels has 2 entries, expected 4 (hidden_size 4, no head)');
    expectConfigError({ ...minimal, output_size: 2, labels: ['a', 'a'] }, 'labels has the entry "a" twice');
    assert.deepEqual(parseModelConfig({ ...minimal, output_size: 2, labels: ['a', 'b'] }, FILE).labels, ['a', 'b']);
  });

  it('requires a non-empty vocab of unique tokens', () => {
    expectConfigError({ ...minimal, vocab: [] }, 'vocab must not be empty');
    expectConfigError({ ...minimal, vocab: ['x', 'y', 'x'] }, 'vocab has the entry "x" twice');
    expectConfigError({ ...minimal, vocab: ['x', 2] }, 'vocab[1] must be a string, found 2');
  });

  it('allows layout seed only for a one-layer tanh rnn with a head', () => {
    assert.equal(parseModelConfig({ ...minimal, output_size: 2, layout: 'seed' }, FILE).layout, 'seed');
    expectConfigError(
      { ...minimal, architecture: 'gru', num_layers: 2, layout: 'seed' },
      "layout 'seed' does not fit this config: architecture is 'gru', seed needs 'rnn'; num_layers is 2, seed needs 1; output_size is absent",
    );
    expectConfigError({ ...minimal, output_size: 2, nonlinearity: 'relu', layout: 'seed' }, "nonlinearity is 'relu', seed needs 'tanh'");
    expectConfigError({ ...minimal, output_size: 2, bias: false, layout: 'seed' }, 'bias is false, seed always has bh');
  });

  it('checks normalization lengths and std > 0', () => {
    const input = { mean: [0, 1, 2], std: [1, 1, 1] };
    expectConfigError({ ...minimal, normalization: { input: { ...input, std: [1, 0, 1] } } }, 'normalization.input.std[1] must be > 0, found 0');
    expectConfigError({ ...minimal, normalization: { input: { ...input, mean: [0] } } }, 'normalization.input.mean has 1 values, expected 3 (input_size 3)');
    expectConfigError({ ...minimal, output_size: 2, normalization: { output: input } }, 'normalization.output.mean has 3 values, expected 2 (output_size 2)');
    expectConfigError({ ...minimal, vocab: ['a'], normalization: { input } }, 'normalization.input does not apply to a token model');
    assert.deepEqual(parseModelConfig({ ...minimal, normalization: { input } }, FILE).normalization, { input });
  });
});

describe('toNetworkSpec', () => {
  it('maps a headless config: outputs are the hidden state', () => {
    assert.deepEqual(toNetworkSpec(parseModelConfig({ ...minimal, architecture: 'gru', num_layers: 2 }, FILE)), {
      architecture: 'gru',
      inputSize: 3,
      hiddenSize: 4,
      numLayers: 2,
      nonlinearity: 'tanh',
      outputSize: 4,
      hasHead: false,
      outputActivation: 'identity',
    });
  });

  it('maps a token model with a head', () => {
    const spec = toNetworkSpec(parseModelConfig({ ...minimal, output_size: 2, output_activation: 'softmax', vocab: ['a', 'b'] }, FILE));
    assert.equal(spec.hasHead, true);
    assert.equal(spec.outputSize, 2);
    assert.equal(spec.outputActivation, 'softmax');
    assert.equal(spec.vocabSize, 2);
  });
});

// From a file's tensors to the engine's NetworkWeights, per layout (docs/model-format.md).
// "torch": PyTorch state_dict names under tensor_prefix, gate order i,f,g,o (lstm) / r,z,n (gru),
// exactly as torch.nn stores them, so rows are copied as they are. Bidirectional layers add the
// same names with `_reverse`; above layer 0 and in the head they read 2 x hidden_size features.
// "seed": the numpy reference RNN's column vectors Wxh, Whh, Why, bh, by.
// Absent biases (bias=false, head_bias=false) become zeros so the engine never branches on them.

import { gateCount, type LayerWeights, type NetworkWeights } from '../engine/types.js';
import type { ModelConfig } from './config-schema.js';
import type { TensorMap } from './tensor.js';
import { TensorPicker } from './tensor-picker.js';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function takeLayer(picker: TensorPicker, config: ModelConfig, k: number, reverse = false): LayerWeights {
  const { architecture, hidden_size: H, input_size: I, num_layers: L, tensor_prefix: prefix } = config;
  const G = gateCount(architecture);
  const D = config.direction === 'bidirectional' ? 2 : 1;
  const rows = G === 1 ? `hidden_size ${H}` : `${G} gates (${architecture}) x hidden_size ${H}`;
  const inputWidth = k === 0 ? I : D * H;
  const below = D === 2 ? `2 x hidden_size ${H} (both directions)` : `hidden_size ${H}`;
  const columns = k === 0 ? `input_size ${I}` : `${below}, layer ${k} reads layer ${k - 1}`;
  const layer = `layer ${k} of num_layers ${L}${reverse ? ', reverse direction (bidirectional true)' : ''}`;
  const name = (kind: string) => `${prefix.rnn}.${kind}_l${k}${reverse ? '_reverse' : ''}`;
  const weightIh = picker.take({ name: name('weight_ih'), shape: [G * H, inputWidth], impliedBy: layer, shapeReason: `${rows}; ${columns}` });
  const weightHh = picker.take({ name: name('weight_hh'), shape: [G * H, H], impliedBy: layer, shapeReason: `${rows}; hidden_size ${H}` });
  if (!config.bias) return { weightIh, weightHh, biasIh: new Float32Array(G * H), biasHh: new Float32Array(G * H) };
  const biasImplied = `${layer} with bias true`;
  return {
    weightIh,
    weightHh,
    biasIh: picker.take({ name: name('bias_ih'), shape: [G * H], impliedBy: biasImplied, shapeReason: rows }),
    biasHh: picker.take({ name: name('bias_hh'), shape: [G * H], impliedBy: biasImplied, shapeReason: rows }),
  };
}

function explainUnexpectedTorchTensor(config: ModelConfig, name: string): string {
  const { rnn, head, embedding } = config.tensor_prefix;
  const layerTensor = new RegExp(`^${escapeRegExp(rnn)}\\.(weight|bias)_(ih|hh)_l(\\d+)(_reverse)?$`).exec(name);
  if (layerTensor !== null) {
    if (layerTensor[4] !== undefined && config.direction !== 'bidirectional') return 'config has no bidirectional: true';
    if (Number(layerTensor[3]) >= config.num_layers) return `config has num_layers ${config.num_layers}`;
    if (layerTensor[1] === 'bias' && !config.bias) return 'config has bias false';
  }
  if (name.startsWith(`${head}.`)) {
    if (config.output_size === undefined) return 'config has no output_size, so no head';
    if (name === `${head}.bias` && !config.head_bias) return 'config has head_bias false';
  }
  if (name.startsWith(`${embedding}.`) && config.vocab === undefined) return 'config has no vocab, so no embedding';
  return 'not implied by config.json; check tensor_prefix and the architecture';
}

/** layout "torch": tensors named as in a PyTorch state_dict. */
export function mapTorchWeights(tensors: TensorMap, config: ModelConfig, file: string): NetworkWeights {
  const picker = new TensorPicker(tensors, file);
  const layers: LayerWeights[] = [];
  for (let k = 0; k < config.num_layers; k++) layers.push(takeLayer(picker, config, k));
  const bidirectional = config.direction === 'bidirectional';
  const reverseLayers: LayerWeights[] = [];
  if (bidirectional) for (let k = 0; k < config.num_layers; k++) reverseLayers.push(takeLayer(picker, config, k, true));
  const { output_size: O, input_size: I, vocab, tensor_prefix: prefix } = config;
  const H = (bidirectional ? 2 : 1) * config.hidden_size;
  const width = bidirectional ? `2 x hidden_size ${config.hidden_size} (bidirectional)` : `hidden_size ${H}`;
  let head: NetworkWeights['head'];
  if (O !== undefined) {
    const weight = picker.take({
      name: `${prefix.head}.weight`,
      shape: [O, H],
      impliedBy: `output_size ${O}`,
      shapeReason: `output_size ${O}; ${width}`,
    });
    const bias = config.head_bias
      ? picker.take({ name: `${prefix.head}.bias`, shape: [O], impliedBy: `output_size ${O} with head_bias true`, shapeReason: `output_size ${O}` })
      : new Float32Array(O);
    head = { weight, bias };
  }
  let embeddingTable: Float32Array | undefined;
  if (vocab !== undefined) {
    embeddingTable = picker.take({
      name: `${prefix.embedding}.weight`,
      shape: [vocab.length, I],
      impliedBy: `vocab of ${vocab.length} tokens`,
      shapeReason: `len(vocab) ${vocab.length}; input_size ${I}`,
    });
  }
  picker.finish((name) => explainUnexpectedTorchTensor(config, name));
  return {
    layers,
    ...(bidirectional ? { reverseLayers } : {}),
    ...(head !== undefined ? { head } : {}),
    ...(embeddingTable !== undefined ? { embedding: embeddingTable } : {}),
  };
}

/** layout "seed": weight_ih_l0 = Wxh, weight_hh_l0 = Whh, bias_ih_l0 = bh, bias_hh_l0 = 0, head = (Why, by). */
export function mapSeedWeights(arrays: TensorMap, config: ModelConfig, file: string): NetworkWeights {
  const { hidden_size: H, input_size: I } = config;
  // parseModelConfig guarantees a head for layout "seed".
  const O = config.output_size ?? H;
  const picker = new TensorPicker(arrays, file);
  const seed = 'layout seed';
  const weightIh = picker.take({ name: 'Wxh', shape: [H, I], impliedBy: seed, shapeReason: `hidden_size ${H}; input_size ${I}` });
  const weightHh = picker.take({ name: 'Whh', shape: [H, H], impliedBy: seed, shapeReason: `hidden_size ${H}; hidden_size ${H}` });
  const headWeight = picker.take({ name: 'Why', shape: [O, H], impliedBy: seed, shapeReason: `output_size ${O}; hidden_size ${H}` });
  const biasIh = picker.take({ name: 'bh', shape: [H, 1], impliedBy: seed, shapeReason: `hidden_size ${H} column vector` });
  const headBias = picker.take({ name: 'by', shape: [O, 1], impliedBy: seed, shapeReason: `output_size ${O} column vector` });
  picker.finish(() => 'layout seed holds exactly Wxh, Whh, Why, bh, by');
  return {
    layers: [{ weightIh, weightHh, biasIh, biasHh: new Float32Array(H) }],
    head: { weight: headWeight, bias: headBias },
  };
}

// One ONNX LSTM, GRU or RNN node (opset 7 and later): its attributes checked against what the
// engine computes (PyTorch's cells), its W, R, B converted to the engine's layer weights.
//
// Gate orders: ONNX stacks LSTM blocks as i, o, f, c and GRU blocks as z, r, h; the engine
// speaks PyTorch's i, f, g, o and r, z, n, so rows are moved at load time. B is Wb then Rb;
// they stay apart (biasIh, biasHh) since the GRU needs b_hn on its own.

import type { Architecture, LayerWeights, Nonlinearity } from '../../engine/types.js';
import type { OnnxAttribute, OnnxNode } from './onnx-proto.js';
import type { ConstTensor } from './onnx-tensor.js';
import type { Fail } from './axis-ops.js';

export type Direction = 'forward' | 'reverse' | 'bidirectional';

export interface RecurrentNodeInfo {
  readonly architecture: Architecture;
  readonly hiddenSize: number;
  readonly direction: Direction;
  readonly directions: number;
  readonly layout: 0 | 1;
  readonly nonlinearity: Nonlinearity;
  /** GRU: ONNX linear_before_reset (1 is PyTorch's cell). */
  readonly linearBeforeReset: boolean;
}

const architectures: Readonly<Record<string, Architecture>> = { LSTM: 'lstm', GRU: 'gru', RNN: 'rnn' };
const gateCounts: Readonly<Record<Architecture, number>> = { lstm: 4, gru: 3, rnn: 1 };
/** Engine block k is ONNX block order[k]. */
const engineOrderFromOnnx: Readonly<Record<Architecture, readonly number[]>> = { lstm: [0, 2, 3, 1], gru: [1, 0, 2], rnn: [0] };
const defaultActivations: Readonly<Record<Architecture, readonly string[]>> = {
  lstm: ['Sigmoid', 'Tanh', 'Tanh'],
  gru: ['Sigmoid', 'Tanh'],
  rnn: ['Tanh'],
};

export function isRecurrentOp(opType: string): boolean {
  return opType in architectures;
}

function intAttribute(node: OnnxNode, name: string, fallback: number): number {
  const attribute = node.attributes.get(name);
  return attribute === undefined ? fallback : attribute.i;
}

function present(attribute: OnnxAttribute | undefined): boolean {
  return attribute !== undefined && (attribute.floats.length > 0 || attribute.f !== 0 || attribute.type === 1);
}

function nonlinearityOf(architecture: Architecture, node: OnnxNode, directions: number, fail: Fail): Nonlinearity {
  const given = node.attributes.get('activations')?.strings;
  const defaults = defaultActivations[architecture];
  if (given === undefined || given.length === 0) return 'tanh';
  const perDirection = defaults.length;
  if (given.length !== perDirection * directions) {
    fail(`has ${given.length} activations, expected ${perDirection * directions} (${perDirection} per direction)`);
  }
  if (architecture === 'rnn') {
    if (given.every((a) => a === 'Tanh')) return 'tanh';
    if (given.every((a) => a === 'Relu')) return 'relu';
    fail(`has activations [${given.join(', ')}]; an RNN node takes Tanh or Relu (the same in both directions), as torch.nn.RNN`);
  }
  for (let k = 0; k < given.length; k++) {
    if (given[k] !== defaults[k % perDirection]) {
      fail(`has activations [${given.join(', ')}]; ${architecture.toUpperCase()} takes only its defaults [${defaults.join(', ')}] (PyTorch's cell)`);
    }
  }
  return 'tanh';
}

/** Reads and checks a recurrent node's attributes (not its inputs). */
export function readRecurrentNode(node: OnnxNode, fail: Fail): RecurrentNodeInfo {
  const architecture = architectures[node.opType]!;
  const rawDirection = node.attributes.get('direction')?.s ?? 'forward';
  if (rawDirection !== 'forward' && rawDirection !== 'reverse' && rawDirection !== 'bidirectional') {
    fail(`has direction '${rawDirection}'; supported: forward, reverse, bidirectional`);
  }
  const direction = rawDirection as Direction;
  const directions = direction === 'bidirectional' ? 2 : 1;
  for (const name of ['activation_alpha', 'activation_beta']) {
    if (present(node.attributes.get(name))) fail(`sets ${name}; only activations without parameters are supported`);
  }
  if (node.attributes.has('clip')) fail('sets clip; cell clipping is not supported (PyTorch has none)');
  if (architecture === 'lstm' && intAttribute(node, 'input_forget', 0) !== 0) {
    fail('sets input_forget (coupled input and forget gates); not supported (PyTorch has none)');
  }
  const layout = intAttribute(node, 'layout', 0);
  if (layout !== 0 && layout !== 1) fail(`has layout ${layout}; supported: 0 ([T, B, F]) and 1 ([B, T, F])`);
  const linearBeforeReset = intAttribute(node, 'linear_before_reset', 0);
  if (architecture === 'gru' && linearBeforeReset !== 0 && linearBeforeReset !== 1) {
    fail(`has linear_before_reset ${linearBeforeReset}; expected 0 or 1`);
  }
  return {
    architecture,
    hiddenSize: intAttribute(node, 'hidden_size', 0),
    direction,
    directions,
    layout: layout as 0 | 1,
    nonlinearity: nonlinearityOf(architecture, node, directions, fail),
    linearBeforeReset: linearBeforeReset === 1,
  };
}

function checkDims(tensor: ConstTensor, what: string, expected: readonly number[], why: string, fail: Fail): Float32Array {
  if (tensor.floats === undefined) fail(`input ${what} '${tensor.name}' is not a float tensor`);
  const same = tensor.dims.length === expected.length && tensor.dims.every((d, k) => d === expected[k]);
  if (!same) fail(`input ${what} '${tensor.name}' has dims [${tensor.dims.join(', ')}], expected [${expected.join(', ')}] (${why})`);
  return tensor.floats;
}

/** Rows of `source` (one direction's G*H x cols block starting at `offset`) in the engine's gate order. */
function reorderRows(source: Float32Array, offset: number, architecture: Architecture, H: number, cols: number): Float32Array {
  const order = engineOrderFromOnnx[architecture];
  const out = new Float32Array(order.length * H * cols);
  order.forEach((onnxBlock, engineBlock) => {
    const from = offset + onnxBlock * H * cols;
    out.set(source.subarray(from, from + H * cols), engineBlock * H * cols);
  });
  return out;
}

/** W, R, B of the node as one LayerWeights per direction (forward first), in the engine's order. */
export function layerWeights(
  info: RecurrentNodeInfo,
  inputWidth: number,
  W: ConstTensor,
  R: ConstTensor,
  B: ConstTensor | undefined,
  fail: Fail,
): LayerWeights[] {
  const { architecture, hiddenSize: H, directions: D } = info;
  const G = gateCounts[architecture];
  const gates = `${G} gate${G > 1 ? 's' : ''} x hidden_size ${H}`;
  const w = checkDims(W, 'W', [D, G * H, inputWidth], `${D} direction${D > 1 ? 's' : ''}, ${gates}, input width ${inputWidth}`, fail);
  const r = checkDims(R, 'R', [D, G * H, H], `${D} direction${D > 1 ? 's' : ''}, ${gates}, hidden_size ${H}`, fail);
  const b = B === undefined ? new Float32Array(D * 2 * G * H) : checkDims(B, 'B', [D, 2 * G * H], `${D} direction${D > 1 ? 's' : ''}, Wb then Rb of ${gates}`, fail);
  const layers: LayerWeights[] = [];
  for (let d = 0; d < D; d++) {
    layers.push({
      weightIh: reorderRows(w, d * G * H * inputWidth, architecture, H, inputWidth),
      weightHh: reorderRows(r, d * G * H * H, architecture, H, H),
      biasIh: reorderRows(b, d * 2 * G * H, architecture, H, 1),
      biasHh: reorderRows(b, d * 2 * G * H + G * H, architecture, H, 1),
    });
  }
  return layers;
}

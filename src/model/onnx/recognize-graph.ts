// Recognises the recurrent network an ONNX graph describes and maps it onto the engine. The graph
// is never executed: each node, in the graph's (topological) order, must be one of the shapes a
// recurrent model takes when torch.onnx.export or tf2onnx writes it, and advances a description
// of every value (graph-values.ts). What is accepted:
//
//   sequence input [B, T, F] or [T, B, F] (or int64 ids and a Gather on an embedding initializer)
//   -> plumbing (Transpose, Squeeze, Unsqueeze, Reshape, Identity, Cast)
//   -> one LSTM / GRU / RNN node per layer, initial states from graph inputs (Slice per layer)
//      or zeros (ConstantOfShape, as torch writes when no state is passed)
//   -> optional head: MatMul then Add, or Gemm
//   -> optional Softmax or Sigmoid, last.
//
// Anything else is refused with the node's name, its op type and what is supported.

import type { LayerWeights, NetworkWeights, Nonlinearity, OutputActivation } from '../../engine/types.js';
import { ModelPackageError } from '../errors.js';
import { normalizeAxis, reshape, squeeze, transpose, unsqueeze, type Fail } from './axis-ops.js';
import { BATCH, Bindings, TIME, type Axis, type Dims, type Factor, type GraphValue, type ShapeElement } from './graph-values.js';
import { DataType, type OnnxModel, type OnnxNode } from './onnx-proto.js';
import { readConstTensor, type ConstTensor } from './onnx-tensor.js';
import { isRecurrentOp, layerWeights, readRecurrentNode, type Direction, type RecurrentNodeInfo } from './recurrent-node.js';

export interface RecognizedNetwork {
  readonly architecture: RecurrentNodeInfo['architecture'];
  readonly nonlinearity: Nonlinearity;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly direction: Direction;
  /** GRU with ONNX linear_before_reset=0 (Keras reset_after=False). */
  readonly gruResetBeforeProduct: boolean;
  /** The head's width; absent without a head. */
  readonly outputSize?: number;
  readonly outputActivation: OutputActivation;
  /** Rows of the embedding (token models). */
  readonly vocabSize?: number;
  readonly weights: NetworkWeights;
}

export const MIN_OPSET = 7;
export const MAX_OPSET = 22;

const SUPPORTED =
  'supported: LSTM, GRU, RNN; Transpose, Squeeze, Unsqueeze, Reshape, Identity, Cast, Shape, Gather, Concat, Slice, ' +
  'ConstantOfShape, Constant; MatMul then Add, or Gemm (the head); Softmax or Sigmoid (last)';

interface Stage {
  readonly kind: 'input' | 'embedding' | 'layer' | 'head' | 'bias' | 'activation';
  /** The feature factors of the sequence at this stage (its last axis). */
  readonly features: Axis;
  readonly node: string;
}

interface LayerFacts {
  readonly node: string;
  readonly info: RecurrentNodeInfo;
  readonly inputWidth: number;
  readonly weights: LayerWeights[];
}

class GraphWalk {
  private readonly values = new Map<string, GraphValue>();
  private readonly bindings = new Bindings();
  private readonly stages: Stage[] = [];
  private readonly layers: LayerFacts[] = [];
  private sequenceInput: string | undefined;
  private embedding: { table: Float32Array; rows: number; width: number } | undefined;
  private head: { weight: Float32Array; bias?: Float32Array; width: number; from: 'matmul' | 'gemm' } | undefined;
  private activation: OutputActivation = 'identity';
  private stateInputs: { h?: string; c?: string } = {};
  private readonly opset: number;

  constructor(
    private readonly model: OnnxModel,
    private readonly file: string,
  ) {
    this.opset = model.opsets.get('') ?? model.opsets.get('ai.onnx') ?? 0;
  }

  fail(message: string): never {
    throw new ModelPackageError(`${this.file}: ${message}`);
  }

  recognize(): RecognizedNetwork {
    this.checkModel();
    this.addInitializers();
    this.addInputs();
    for (const node of this.model.graph.nodes) this.visit(node);
    this.checkOutputs();
    this.checkStateRows();
    return this.result();
  }

  // ---- model and graph inputs ----

  private checkModel(): void {
    const { graph } = this.model;
    if (this.opset === 0) this.fail('imports no opset of the default ONNX domain');
    if (this.opset < MIN_OPSET || this.opset > MAX_OPSET) {
      this.fail(`uses opset ${this.opset}; supported: ${MIN_OPSET} to ${MAX_OPSET}`);
    }
    if (this.model.hasFunctions) this.fail('defines model-local functions; only plain graphs are supported');
    if (graph.hasSparseInitializers) this.fail('has sparse initializers; only dense tensors are supported');
    if (graph.nodes.length === 0) this.fail('has an empty graph');
  }

  private addInitializers(): void {
    for (const tensor of this.model.graph.initializers) {
      this.values.set(tensor.name, { kind: 'const', tensor: readConstTensor(tensor, `${this.file}: initializer '${tensor.name}'`) });
    }
  }

  private addInputs(): void {
    for (const input of this.model.graph.inputs) {
      if (this.values.has(input.name)) continue; // IR < 4 lists initializers as inputs too
      if (input.dims === undefined) this.fail(`graph input '${input.name}' declares no tensor shape`);
      const type = input.elemType;
      const last = input.dims.length - 1;
      // Only a float input's last axis can be features; time and batch sizes are never taken from the declaration.
      const dims: Axis[] = input.dims.map((d, k) => [
        { id: `${input.name}[${k}]`, ...(typeof d === 'number' && k === last && type === DataType.FLOAT ? { size: d } : {}) },
      ]);
      if (type === DataType.INT64 || type === DataType.INT32) {
        this.values.set(input.name, { kind: 'ids', name: input.name, dims });
      } else if (type === DataType.FLOAT) {
        this.values.set(input.name, { kind: 'input', name: input.name, dims });
      } else {
        this.fail(`graph input '${input.name}' has element type ${type ?? 'unknown'}; supported: float (vectors, states), int64 or int32 (token ids)`);
      }
    }
  }

  // ---- the walk ----

  private nodeFail(node: OnnxNode): Fail {
    return (message: string): never => this.fail(`node '${node.name}' (${node.opType}): ${message}`);
  }

  private input(node: OnnxNode, k: number, fail: Fail): GraphValue {
    const name = node.inputs[k];
    if (name === undefined || name === '') fail(`input ${k} is missing`);
    const value = this.values.get(name);
    if (value === undefined) fail(`input '${name}' is not produced before it (the graph is not in topological order or reads an unknown value)`);
    return value;
  }

  private optionalInput(node: OnnxNode, k: number, fail: Fail): GraphValue | undefined {
    const name = node.inputs[k];
    return name === undefined || name === '' ? undefined : this.input(node, k, fail);
  }

  private set(node: OnnxNode, value: GraphValue, k = 0): void {
    const name = node.outputs[k];
    if (name !== undefined && name !== '') this.values.set(name, value);
  }

  private visit(node: OnnxNode): void {
    const fail = this.nodeFail(node);
    if (node.domain !== '' && node.domain !== 'ai.onnx') fail(`is in domain '${node.domain}'; only the default ONNX domain is supported`);
    for (const attribute of node.attributes.values()) {
      if (attribute.hasGraph) fail(`has a subgraph attribute '${attribute.name}'; control flow is not supported`);
    }
    if (isRecurrentOp(node.opType)) return this.recurrent(node, fail);
    switch (node.opType) {
      case 'Constant':
        return this.set(node, { kind: 'const', tensor: this.constantValue(node, fail) });
      case 'Identity':
        return this.set(node, this.input(node, 0, fail));
      case 'Cast':
        return this.cast(node, fail);
      case 'Transpose':
        return this.onDims(node, fail, (dims) => transpose(dims, this.intsAttribute(node, 'perm'), fail));
      case 'Squeeze':
        return this.squeeze(node, fail);
      case 'Unsqueeze':
        return this.unsqueeze(node, fail);
      case 'Reshape':
        return this.reshape(node, fail);
      case 'Shape':
        return this.shape(node, fail);
      case 'Gather':
        return this.gather(node, fail);
      case 'Concat':
        return this.concat(node, fail);
      case 'Slice':
        return this.slice(node, fail);
      case 'ConstantOfShape':
        return this.constantOfShape(node, fail);
      case 'MatMul':
        return this.matMul(node, fail);
      case 'Gemm':
        return this.gemm(node, fail);
      case 'Add':
        return this.add(node, fail);
      case 'Softmax':
      case 'Sigmoid':
        return this.outputActivation(node, fail);
      default:
        fail(`is not part of a recurrent model this server runs; ${SUPPORTED}`);
    }
  }

  // ---- helpers on values ----

  private intsAttribute(node: OnnxNode, name: string): readonly number[] | undefined {
    const attribute = node.attributes.get(name);
    return attribute === undefined ? undefined : attribute.ints;
  }

  private intAttribute(node: OnnxNode, name: string, fallback: number): number {
    return node.attributes.get(name)?.i ?? fallback;
  }

  private constantValue(node: OnnxNode, fail: Fail): ConstTensor {
    const where = `${this.file}: node '${node.name}' (Constant)`;
    const attributes = node.attributes;
    const t = attributes.get('value')?.t;
    if (t !== undefined) return readConstTensor(t, where);
    const name = node.outputs[0] ?? node.name;
    if (attributes.has('value_int')) return { name, dims: [], integers: [attributes.get('value_int')!.i] };
    if (attributes.has('value_ints')) {
      const ints = attributes.get('value_ints')!.ints;
      return { name, dims: [ints.length], integers: ints };
    }
    if (attributes.has('value_float')) return { name, dims: [], floats: Float32Array.of(attributes.get('value_float')!.f) };
    if (attributes.has('value_floats')) {
      const floats = attributes.get('value_floats')!.floats;
      return { name, dims: [floats.length], floats: Float32Array.from(floats) };
    }
    return fail('has no value, value_int(s) or value_float(s) attribute; supported: a tensor or numbers');
  }

  /** Integer constant (axes, perm, shape, indices): from a const value. */
  private integers(value: GraphValue | undefined, what: string, fail: Fail): readonly number[] {
    if (value === undefined) fail(`${what} is missing`);
    if (value.kind !== 'const' || value.tensor.integers === undefined) {
      fail(`${what} is not an integer constant (export with constant folding, the default)`);
    }
    return value.tensor.integers;
  }

  /** Axes given as an attribute (older opsets) or as input `k` (newer ones). */
  private axes(node: OnnxNode, k: number, fail: Fail): readonly number[] | undefined {
    const fromAttribute = this.intsAttribute(node, 'axes');
    if (fromAttribute !== undefined) return fromAttribute;
    const value = this.optionalInput(node, k, fail);
    return value === undefined ? undefined : this.integers(value, `input ${k} (axes)`, fail);
  }

  /** The value as the sequence: a float graph input becomes the sequence input here. */
  private asSequence(value: GraphValue, node: OnnxNode, fail: Fail): Extract<GraphValue, { kind: 'seq' }> {
    if (value.kind === 'seq') return value;
    if (value.kind === 'input') {
      // The same input reached again through a pass-through (Identity, Cast): already the sequence.
      const known = value.name === this.sequenceInput ? this.values.get(value.name) : undefined;
      if (known?.kind === 'seq') return known;
      if (this.sequenceInput !== undefined) {
        fail(`reads graph input '${value.name}' as a sequence, but '${this.sequenceInput}' already is the sequence input; only one is supported`);
      }
      if (this.stages.length > 0) fail(`reads graph input '${value.name}' as a sequence after the embedding`);
      this.sequenceInput = value.name;
      this.stages.push({ kind: 'input', features: value.dims[value.dims.length - 1] ?? [], node: node.name });
      const seq: GraphValue = { kind: 'seq', stage: 0, dims: value.dims };
      this.values.set(value.name, seq);
      return seq;
    }
    return fail(`expects the sequence, got ${describeKind(value)}`);
  }

  /** Applies a dims transform to the sequence (or passes an aux value through). */
  private onDims(node: OnnxNode, fail: Fail, transform: (dims: Dims) => Dims): void {
    const value = this.input(node, 0, fail);
    if (value.kind === 'aux') return this.set(node, value);
    if (value.kind === 'ids') return this.set(node, { ...value, dims: transform(value.dims) });
    const seq = this.asSequence(value, node, fail);
    this.set(node, { ...seq, dims: transform(seq.dims) });
  }

  private checkCurrent(seq: Extract<GraphValue, { kind: 'seq' }>, fail: Fail): Stage {
    const current = this.stages.length - 1;
    if (seq.stage !== current) {
      const was = this.stages[seq.stage]!;
      const now = this.stages[current]!;
      fail(
        `reads the output of node '${was.node}' again, after node '${now.node}' already took it further; ` +
          'only one chain (input, recurrent layers, head, activation) is supported',
      );
    }
    return this.stages[current]!;
  }

  private featureAxis(seq: Extract<GraphValue, { kind: 'seq' }>, stage: Stage, fail: Fail): Axis {
    const last = seq.dims[seq.dims.length - 1];
    if (last === undefined || !this.bindings.sameAxis(last, stage.features)) {
      fail(`expects the features ${this.bindings.describe(stage.features)} on the last axis, got ${this.bindings.describeDims(seq.dims)}`);
    }
    return last;
  }

  // ---- plumbing ----

  private cast(node: OnnxNode, fail: Fail): void {
    const value = this.input(node, 0, fail);
    const to = this.intAttribute(node, 'to', 0);
    const intTarget = to === DataType.INT64 || to === DataType.INT32;
    if ((value.kind === 'shape' || value.kind === 'ids') && intTarget) return this.set(node, value);
    if ((value.kind === 'seq' || value.kind === 'input' || value.kind === 'state') && to === DataType.FLOAT) {
      return this.set(node, value); // a float input stays unclassified: it may be a state
    }
    if (value.kind === 'aux') return this.set(node, value);
    fail(`casts ${describeKind(value)} to data type ${to}; only casts that keep float data float and integers integer are supported`);
  }

  private squeeze(node: OnnxNode, fail: Fail): void {
    const axes = this.axes(node, 1, fail);
    const value = this.input(node, 0, fail);
    if (value.kind === 'shape') {
      if (value.scalar || value.elements.length !== 1) fail('squeezes a shape vector that does not have exactly one element');
      return this.set(node, { ...value, scalar: true });
    }
    this.onDims(node, fail, (dims) => squeeze(dims, axes, this.bindings, fail));
  }

  private unsqueeze(node: OnnxNode, fail: Fail): void {
    const axes = this.axes(node, 1, fail);
    if (axes === undefined) fail('has no axes');
    const value = this.input(node, 0, fail);
    if (value.kind === 'shape') {
      if (!value.scalar || axes.length !== 1) fail('unsqueezes a shape vector; only a scalar to a one-element vector is supported');
      return this.set(node, { ...value, scalar: false });
    }
    if (value.kind === 'const') fail('unsqueezes a constant; export with constant folding (the default) so constants arrive folded');
    this.onDims(node, fail, (dims) => unsqueeze(dims, axes, fail));
  }

  private shapeElements(value: GraphValue | undefined, fail: Fail): readonly ShapeElement[] {
    if (value?.kind === 'shape') return value.elements;
    return this.integers(value, 'input 1 (shape)', fail).map((literal) => ({ literal }));
  }

  private reshape(node: OnnxNode, fail: Fail): void {
    const shape = this.shapeElements(this.optionalInput(node, 1, fail), fail);
    const allowZero = this.intAttribute(node, 'allowzero', 0) === 1;
    this.onDims(node, fail, (dims) => reshape(dims, shape, allowZero, this.bindings, fail));
  }

  private shape(node: OnnxNode, fail: Fail): void {
    const value = this.input(node, 0, fail);
    if (value.kind !== 'seq' && value.kind !== 'input' && value.kind !== 'ids') fail(`takes the shape of ${describeKind(value)}`);
    const rank = value.dims.length;
    const clamp = (k: number): number => Math.min(Math.max(k < 0 ? k + rank : k, 0), rank);
    const start = clamp(this.intAttribute(node, 'start', 0));
    const end = node.attributes.has('end') ? clamp(this.intAttribute(node, 'end', rank)) : rank;
    const elements = value.dims.slice(start, Math.max(start, end)).map((factors) => ({ factors }));
    this.set(node, { kind: 'shape', elements, scalar: false });
  }

  private gather(node: OnnxNode, fail: Fail): void {
    const data = this.input(node, 0, fail);
    const indices = this.input(node, 1, fail);
    const axis = this.intAttribute(node, 'axis', 0);
    if (data.kind === 'shape') {
      if (axis !== 0) fail(`gathers a shape vector on axis ${axis}`);
      const picks = this.integers(indices, 'input 1 (indices)', fail);
      const n = data.elements.length;
      const elements = picks.map((k) => {
        const at = k < 0 ? k + n : k;
        if (!(at >= 0 && at < n)) fail(`index ${k} is outside the shape vector of ${n} elements`);
        return data.elements[at]!;
      });
      const scalar = indices.kind === 'const' && indices.tensor.dims.length === 0;
      return this.set(node, { kind: 'shape', elements, scalar });
    }
    if (data.kind === 'const' && data.tensor.floats !== undefined && indices.kind === 'ids') {
      if (axis !== 0) fail(`gathers an embedding on axis ${axis}; an embedding gathers rows (axis 0)`);
      if (data.tensor.dims.length !== 2) fail(`gathers from '${data.tensor.name}' of dims [${data.tensor.dims.join(', ')}]; an embedding table is 2-D`);
      if (this.embedding !== undefined || this.stages.length > 0) fail('is a second embedding, or an embedding after the sequence input');
      const [rows, width] = data.tensor.dims as [number, number];
      this.embedding = { table: data.tensor.floats, rows, width };
      const features: Axis = [{ id: 'embedding', size: width }];
      this.stages.push({ kind: 'embedding', features, node: node.name });
      return this.set(node, { kind: 'seq', stage: 0, dims: [...indices.dims, features] });
    }
    fail(
      `gathers ${describeKind(data)} by ${describeKind(indices)}; supported: an embedding (a float initializer by the ` +
        'int64 token ids) or an element of a shape',
    );
  }

  private concat(node: OnnxNode, fail: Fail): void {
    const parts = node.inputs.map((_, k) => this.input(node, k, fail));
    if (parts.length > 0 && parts.every((p) => p.kind === 'aux')) return this.set(node, { kind: 'aux', what: 'final states' });
    const elements: ShapeElement[] = [];
    for (const part of parts) {
      if (part.kind === 'shape') {
        if (part.scalar) fail('concatenates a scalar');
        elements.push(...part.elements);
      } else if (part.kind === 'const' && part.tensor.integers !== undefined && part.tensor.dims.length === 1) {
        elements.push(...part.tensor.integers.map((literal) => ({ literal })));
      } else {
        fail(`concatenates ${describeKind(part)}; supported: final states (outputs the server computes itself) and shape vectors`);
      }
    }
    this.set(node, { kind: 'shape', elements, scalar: false });
  }

  /** Slice's starts, ends, axes, steps: inputs from opset 10, attributes before. */
  private sliceArguments(node: OnnxNode, fail: Fail): { starts: readonly number[]; ends: readonly number[]; axes?: readonly number[]; steps?: readonly number[] } {
    if (this.opset < 10) {
      const starts = this.intsAttribute(node, 'starts');
      const ends = this.intsAttribute(node, 'ends');
      if (starts === undefined || ends === undefined) fail('has no starts or ends');
      const axes = this.intsAttribute(node, 'axes');
      return { starts, ends, ...(axes !== undefined ? { axes } : {}) };
    }
    const starts = this.integers(this.optionalInput(node, 1, fail), 'input 1 (starts)', fail);
    const ends = this.integers(this.optionalInput(node, 2, fail), 'input 2 (ends)', fail);
    const axesValue = this.optionalInput(node, 3, fail);
    const stepsValue = this.optionalInput(node, 4, fail);
    return {
      starts,
      ends,
      ...(axesValue !== undefined ? { axes: this.integers(axesValue, 'input 3 (axes)', fail) } : {}),
      ...(stepsValue !== undefined ? { steps: this.integers(stepsValue, 'input 4 (steps)', fail) } : {}),
    };
  }

  private slice(node: OnnxNode, fail: Fail): void {
    const value = this.input(node, 0, fail);
    const { starts, ends, axes, steps } = this.sliceArguments(node, fail);
    if (starts.length !== 1 || ends.length !== 1 || (axes !== undefined && (axes.length !== 1 || axes[0] !== 0))) {
      fail('slices more than the first axis; supported: rows of a state (axis 0) or of a shape vector');
    }
    if (steps !== undefined && steps[0] !== 1) fail(`slices with step ${steps[0]}; supported: step 1`);
    const [start, end] = [starts[0]!, ends[0]!];
    if (value.kind === 'shape') {
      const n = value.elements.length;
      const at = (k: number): number => Math.min(Math.max(k < 0 ? k + n : k, 0), n);
      return this.set(node, { kind: 'shape', elements: value.elements.slice(at(start), at(end)), scalar: false });
    }
    if (start < 0 || end < 0) fail(`slices rows ${start}..${end} of a state; negative bounds are not supported`);
    if (value.kind === 'input') {
      return this.set(node, { kind: 'state', input: value.name, start, end });
    }
    if (value.kind === 'state') {
      if (value.input === undefined) return this.set(node, value);
      const base = value.start;
      const limit = value.end;
      const sliceEnd = limit === undefined ? base + end : Math.min(limit, base + end);
      return this.set(node, { kind: 'state', input: value.input, start: base + start, end: sliceEnd });
    }
    fail(`slices ${describeKind(value)}; supported: rows of an initial state (axis 0) or of a shape vector`);
  }

  private constantOfShape(node: OnnxNode, fail: Fail): void {
    const value = node.attributes.get('value')?.t;
    if (value !== undefined) {
      const tensor = readConstTensor(value, `${this.file}: node '${node.name}' (ConstantOfShape) value`);
      const numbers = tensor.floats ?? tensor.integers ?? [];
      if (Array.from(numbers).some((v) => v !== 0)) fail('fills with a non-zero value; supported: zeros (an initial state)');
    }
    this.set(node, { kind: 'state', start: 0 });
  }

  // ---- the network ----

  private stateInput(
    node: OnnxNode,
    k: number,
    which: 'h' | 'c',
    layer: number,
    directions: number,
    fail: Fail,
  ): void {
    let value = this.optionalInput(node, k, fail);
    if (value === undefined) return;
    if (value.kind === 'input') value = { kind: 'state', input: value.name, start: 0 };
    if (value.kind !== 'state') fail(`initial_${which} is ${describeKind(value)}; supported: a graph input (rows of it per layer) or zeros`);
    if (value.input === undefined) return;
    const expected = this.stateInputs[which];
    if (expected !== undefined && expected !== value.input) {
      fail(`initial_${which} comes from graph input '${value.input}', while earlier layers read '${expected}'; the state must be one input`);
    }
    this.stateInputs[which] = value.input;
    const declared = this.declaredRows(value.input);
    const end = Math.min(value.end ?? Infinity, declared ?? Infinity);
    const [from, to] = [layer * directions, (layer + 1) * directions];
    // Rows to an unknown end fit when they start right: the total is checked once every layer is known.
    if (value.start !== from || (end !== to && end !== Infinity)) {
      fail(
        `initial_${which} is rows ${value.start}..${end === Infinity ? 'end' : end} of graph input '${value.input}'; layer ${layer} ` +
          `(${directions} direction${directions > 1 ? 's' : ''}) must read rows ${from}..${to}, as PyTorch's h_0 is laid out`,
      );
    }
  }

  private declaredRows(input: string): number | undefined {
    const first = this.model.graph.inputs.find((i) => i.name === input)?.dims?.[0];
    return typeof first === 'number' ? first : undefined;
  }

  private constInput(node: OnnxNode, k: number, what: string, fail: Fail): ConstTensor | undefined {
    const value = this.optionalInput(node, k, fail);
    if (value === undefined) return undefined;
    if (value.kind !== 'const') fail(`input ${what} is ${describeKind(value)}, not an initializer; export with constant folding (the default)`);
    return value.tensor;
  }

  private recurrent(node: OnnxNode, fail: Fail): void {
    const info = readRecurrentNode(node, fail);
    const k = this.layers.length;
    const previous = this.layers[k - 1]?.info;
    if (previous !== undefined) {
      const same =
        previous.architecture === info.architecture &&
        previous.direction === info.direction &&
        previous.nonlinearity === info.nonlinearity &&
        previous.linearBeforeReset === info.linearBeforeReset;
      if (!same) fail(`differs from layer 0 (node '${this.layers[0]!.node}') in op type, direction, activations or linear_before_reset; the layers of a stack must match`);
    }
    const seq = this.asSequence(this.input(node, 0, fail), node, fail);
    const stage = this.checkCurrent(seq, fail);
    if (stage.kind !== 'input' && stage.kind !== 'embedding' && stage.kind !== 'layer') {
      fail(`follows node '${stage.node}' (a ${stage.kind}); recurrent layers must come before the head`);
    }
    if (seq.dims.length !== 3) fail(`input X has rank ${seq.dims.length}, ${this.bindings.describeDims(seq.dims)}; X is 3-D`);
    const [timeAxis, batchAxis] = info.layout === 0 ? [seq.dims[0]!, seq.dims[1]!] : [seq.dims[1]!, seq.dims[0]!];
    this.bindAxis(timeAxis, TIME, 'time', info.layout, fail);
    this.bindAxis(batchAxis, BATCH, 'batch', info.layout, fail);
    const features = this.featureAxis(seq, stage, fail);
    const W = this.constInput(node, 1, 'W', fail);
    const R = this.constInput(node, 2, 'R', fail);
    if (W === undefined || R === undefined) fail('has no W or R');
    const inputWidth = W.dims[2];
    if (inputWidth === undefined) fail(`input W '${W.name}' has dims [${W.dims.join(', ')}], expected [directions, gates x hidden, input]`);
    this.bindFeatures(features, inputWidth, fail);
    const hiddenSize = info.hiddenSize > 0 ? info.hiddenSize : (R.dims[2] ?? 0);
    if (hiddenSize <= 0) fail('has no hidden_size');
    if (previous !== undefined && previous.hiddenSize !== hiddenSize) {
      fail(`has hidden_size ${hiddenSize}, layer 0 has ${previous.hiddenSize}; the layers of a stack must match`);
    }
    const resolved = { ...info, hiddenSize };
    if (this.optionalInput(node, 4, fail) !== undefined) fail('has sequence_lens; every sequence runs to its end here, so sequence_lens must be absent');
    if (info.architecture === 'lstm' && this.optionalInput(node, 7, fail) !== undefined) {
      fail('has peephole weights (input P); peepholes are not supported (PyTorch has none)');
    }
    this.stateInput(node, 5, 'h', k, info.directions, fail);
    if (info.architecture === 'lstm') this.stateInput(node, 6, 'c', k, info.directions, fail);
    const weights = layerWeights(resolved, inputWidth, W, R, this.constInput(node, 3, 'B', fail), fail);
    this.layers.push({ node: node.name, info: resolved, inputWidth, weights });
    const directionFactor: Factor = { id: `directions${k}`, size: info.directions };
    const hiddenFactor: Factor = { id: `hidden${k}`, size: hiddenSize };
    this.stages.push({ kind: 'layer', features: [directionFactor, hiddenFactor], node: node.name });
    const stageIndex = this.stages.length - 1;
    const Y: Dims = info.layout === 0 ? [[TIME], [directionFactor], [BATCH], [hiddenFactor]] : [[BATCH], [TIME], [directionFactor], [hiddenFactor]];
    this.set(node, { kind: 'seq', stage: stageIndex, dims: Y }, 0);
    this.set(node, { kind: 'aux', what: `final h of node '${node.name}'` }, 1);
    this.set(node, { kind: 'aux', what: `final c of node '${node.name}'` }, 2);
  }

  private bindAxis(axis: Axis, to: Factor, what: string, layout: number, fail: Fail): void {
    const factors = this.bindings.significant(axis);
    const factor = factors[0];
    const ok = factors.length === 1 && factor !== undefined && (factor.id === to.id || (factor.size === undefined && factor.id.includes('[')));
    if (!ok) fail(`input X's ${what} axis (layout ${layout}) is ${this.bindings.describe(axis)}, which is not the sequence's ${what} axis`);
    this.bindings.bind(factor, to);
  }

  private bindFeatures(axis: Axis, width: number, fail: Fail): void {
    const factors = this.bindings.significant(axis);
    const placeholder = factors.length === 1 && factors[0]!.id.includes('[') ? factors[0]! : undefined;
    if (placeholder !== undefined) {
      if (placeholder.size !== undefined && placeholder.size !== width) {
        fail(`graph input '${this.sequenceInput}' declares ${placeholder.size} features, W takes ${width}`);
      }
      this.bindings.bind(placeholder, { id: 'features', size: width });
      return;
    }
    const size = this.bindings.size(axis);
    if (size !== width) fail(`input X has ${size ?? 'an unknown number of'} features, W takes ${width}`);
  }

  private matMul(node: OnnxNode, fail: Fail): void {
    const seq = this.asSequence(this.input(node, 0, fail), node, fail);
    const stage = this.checkCurrent(seq, fail);
    const B = this.constInput(node, 1, 'B', fail);
    if (stage.kind !== 'layer' || B === undefined || B.floats === undefined || B.dims.length !== 2) {
      fail('is not a head: supported is MatMul(the last recurrent layer\'s output, a 2-D float initializer), then Add of a bias');
    }
    const [K, N] = B.dims as [number, number];
    this.featureAxis(seq, stage, fail);
    const width = this.bindings.size(stage.features)!;
    if (K !== width) fail(`multiplies ${width} features by '${B.name}' of dims [${K}, ${N}]`);
    // Engine head weights are out x in (PyTorch's Linear); MatMul's are in x out.
    const weight = new Float32Array(N * K);
    for (let i = 0; i < K; i++) for (let j = 0; j < N; j++) weight[j * K + i] = B.floats[i * N + j]!;
    this.head = { weight, width: N, from: 'matmul' };
    this.advanceHead(node, seq, 'head', N);
  }

  private gemm(node: OnnxNode, fail: Fail): void {
    const seq = this.asSequence(this.input(node, 0, fail), node, fail);
    const stage = this.checkCurrent(seq, fail);
    const B = this.constInput(node, 1, 'B', fail);
    const C = this.constInput(node, 2, 'C', fail);
    if (stage.kind !== 'layer' || seq.dims.length !== 2 || B === undefined || B.floats === undefined || B.dims.length !== 2) {
      fail('is not a head: supported is Gemm(the last recurrent layer\'s output as rows [N, features], a 2-D float initializer, a bias)');
    }
    if (this.intAttribute(node, 'transA', 0) !== 0) fail('has transA 1; supported: transA 0');
    this.featureAxis(seq, stage, fail);
    const width = this.bindings.size(stage.features)!;
    const transB = this.intAttribute(node, 'transB', 0) === 1;
    const [K, N] = (transB ? [B.dims[1], B.dims[0]] : [B.dims[0], B.dims[1]]) as [number, number];
    if (K !== width) fail(`multiplies ${width} features by '${B.name}' of dims [${B.dims.join(', ')}] (transB ${transB ? 1 : 0})`);
    const alpha = node.attributes.get('alpha')?.f ?? 1;
    const beta = node.attributes.get('beta')?.f ?? 1;
    const weight = new Float32Array(N * K);
    for (let j = 0; j < N; j++) {
      for (let i = 0; i < K; i++) weight[j * K + i] = alpha * (transB ? B.floats[j * K + i]! : B.floats[i * N + j]!);
    }
    let bias: Float32Array | undefined;
    if (C !== undefined) {
      const values = C.floats;
      if (values === undefined || values.length !== N || C.dims.slice(0, -1).some((d) => d !== 1)) {
        fail(`has C '${C.name}' of dims [${C.dims.join(', ')}]; supported: a bias of ${N} values`);
      }
      bias = values.map((v) => beta * v);
    }
    this.head = { weight, width: N, from: 'gemm', ...(bias !== undefined ? { bias } : {}) };
    this.advanceHead(node, seq, 'head', N);
  }

  private advanceHead(node: OnnxNode, seq: Extract<GraphValue, { kind: 'seq' }>, kind: 'head' | 'bias', width: number): void {
    const features: Axis = kind === 'head' ? [{ id: 'outputs', size: width }] : this.stages[seq.stage]!.features;
    this.stages.push({ kind, features, node: node.name });
    const dims = [...seq.dims.slice(0, -1), features];
    this.set(node, { kind: 'seq', stage: this.stages.length - 1, dims });
  }

  private add(node: OnnxNode, fail: Fail): void {
    const a = this.input(node, 0, fail);
    const b = this.input(node, 1, fail);
    const [seqValue, biasValue] = a.kind === 'const' ? [b, a] : [a, b];
    const seq = this.asSequence(seqValue, node, fail);
    const stage = this.checkCurrent(seq, fail);
    const head = this.head;
    if (stage.kind !== 'head' || head === undefined || head.from !== 'matmul' || biasValue.kind !== 'const') {
      fail('is not a head bias: supported is Add(MatMul of the head, a float initializer of the head\'s width) right after the MatMul');
    }
    const bias = biasValue.tensor;
    if (bias.floats === undefined || bias.floats.length !== head.width || bias.dims.slice(0, -1).some((d) => d !== 1)) {
      fail(`adds '${bias.name}' of dims [${bias.dims.join(', ')}]; a head bias has ${head.width} values on the last axis`);
    }
    this.head = { ...head, bias: bias.floats };
    this.advanceHead(node, seq, 'bias', head.width);
  }

  private outputActivation(node: OnnxNode, fail: Fail): void {
    const seq = this.asSequence(this.input(node, 0, fail), node, fail);
    const stage = this.checkCurrent(seq, fail);
    if (stage.kind === 'activation') fail(`follows node '${stage.node}', another output activation`);
    if (stage.kind === 'input' || stage.kind === 'embedding') fail('comes before any recurrent layer');
    this.featureAxis(seq, stage, fail);
    if (node.opType === 'Softmax') {
      const rank = seq.dims.length;
      const axis = normalizeAxis(this.intAttribute(node, 'axis', this.opset >= 13 ? -1 : 1), rank, fail);
      // Before opset 13, Softmax flattens the axes from `axis` on: the same when only the last is left.
      if (axis !== rank - 1) fail(`normalizes over axis ${axis} of ${this.bindings.describeDims(seq.dims)}; supported: the feature axis (last)`);
      this.activation = 'softmax';
    } else {
      this.activation = 'sigmoid';
    }
    this.stages.push({ kind: 'activation', features: stage.features, node: node.name });
    this.set(node, { ...seq, stage: this.stages.length - 1 });
  }

  // ---- the end ----

  private checkOutputs(): void {
    const outputs = this.model.graph.outputs;
    const last = this.stages.length - 1;
    let main: string | undefined;
    if (this.layers.length === 0) this.fail(`has no LSTM, GRU or RNN node; ${SUPPORTED}`);
    for (const output of outputs) {
      const value = this.values.get(output.name);
      if (value === undefined) this.fail(`graph output '${output.name}' is not produced by any node`);
      if (value.kind === 'aux') continue;
      if (value.kind !== 'seq' || value.stage !== last) {
        this.fail(`graph output '${output.name}' is ${describeKind(value)}; the outputs must be the network's output sequence (and final states)`);
      }
      if (main !== undefined) this.fail(`graph outputs '${main}' and '${output.name}' both carry the output sequence`);
      main = output.name;
      this.checkOutputDims(output.name, value.dims);
    }
    if (main === undefined) this.fail('has no graph output carrying the output sequence of the last layer, head or activation');
  }

  private checkOutputDims(name: string, dims: Dims): void {
    const features = this.stages[this.stages.length - 1]!.features;
    const last = dims[dims.length - 1];
    const rest = dims.slice(0, -1).map((axis) => this.bindings.significant(axis)).filter((f) => f.length > 0);
    const ids = rest.map((axis) => axis.map((f) => f.id).join('*'));
    const ok =
      last !== undefined &&
      this.bindings.sameAxis(last, features) &&
      ids.length === 2 &&
      ((ids[0] === TIME.id && ids[1] === BATCH.id) || (ids[0] === BATCH.id && ids[1] === TIME.id));
    if (!ok) {
      this.fail(`graph output '${name}' is ${this.bindings.describeDims(dims)}; expected [batch, time, features] or [time, batch, features]`);
    }
  }

  private checkStateRows(): void {
    const directions = this.layers[0]!.info.directions;
    for (const [which, input] of Object.entries(this.stateInputs)) {
      const rows = input === undefined ? undefined : this.declaredRows(input);
      if (rows !== undefined && rows !== this.layers.length * directions) {
        this.fail(
          `graph input '${input}' (initial ${which}) declares ${rows} rows; ${this.layers.length} layer(s) x ${directions} direction(s) need ${this.layers.length * directions}`,
        );
      }
    }
    if (this.stateInputs.h !== undefined && this.stateInputs.h === this.stateInputs.c) {
      this.fail(`graph input '${this.stateInputs.h}' is both initial_h and initial_c`);
    }
  }

  private result(): RecognizedNetwork {
    const first = this.layers[0]!.info;
    const layers = this.layers.map((layer) => layer.weights[0]!);
    const reverseLayers = first.direction === 'bidirectional' ? this.layers.map((layer) => layer.weights[1]!) : undefined;
    const inputSize = this.layers[0]!.inputWidth;
    const head = this.head;
    const weights: NetworkWeights = {
      layers,
      ...(reverseLayers !== undefined ? { reverseLayers } : {}),
      ...(head !== undefined ? { head: { weight: head.weight, bias: head.bias ?? new Float32Array(head.width) } } : {}),
      ...(this.embedding !== undefined ? { embedding: this.embedding.table } : {}),
    };
    return {
      architecture: first.architecture,
      nonlinearity: first.nonlinearity,
      inputSize,
      hiddenSize: first.hiddenSize,
      numLayers: this.layers.length,
      direction: first.direction,
      gruResetBeforeProduct: first.architecture === 'gru' && !first.linearBeforeReset,
      ...(head !== undefined ? { outputSize: head.width } : {}),
      outputActivation: this.activation,
      ...(this.embedding !== undefined ? { vocabSize: this.embedding.rows } : {}),
      weights,
    };
  }
}

function describeKind(value: GraphValue): string {
  switch (value.kind) {
    case 'const':
      return `the constant '${value.tensor.name}'`;
    case 'input':
      return `graph input '${value.name}'`;
    case 'seq':
      return 'the sequence';
    case 'ids':
      return `the token ids '${value.name}'`;
    case 'shape':
      return 'a shape vector';
    case 'state':
      return value.input === undefined ? 'a zero state' : `rows of the state input '${value.input}'`;
    case 'aux':
      return value.what;
  }
}

/** The network an ONNX model describes, or a ModelPackageError naming the node that does not fit. */
export function recognizeGraph(model: OnnxModel, file: string): RecognizedNetwork {
  return new GraphWalk(model, file).recognize();
}

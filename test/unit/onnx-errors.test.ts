// ONNX packages that must not load: malformed protobuf, graphs this server does not run (each
// refusal names the node, its op type and what is supported), tensors whose bytes do not match
// their dims, sidecar config.json that disagrees with the graph. Then the protobuf bytes fuzzed
// as the safetensors reader is: every mutation loads or gives a ModelPackageError, nothing else.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it, test } from 'node:test';
import fc from 'fast-check';
import { createNetwork, withDirectionalLayers } from '../../src/engine/index.js';
import { ModelPackageError } from '../../src/model/errors.js';
import { loadModelPackage } from '../../src/model/package-loader.js';
import { loadOnnxPackage } from '../../src/model/onnx/onnx-package.js';
import { ModelProto } from '../../src/model/onnx/onnx-proto.js';
import { toNetworkSpec } from '../../src/model/config-schema.js';
import { byteMutation, mutate } from '../helpers/byte-mutations.js';

/** Property runs per fuzz test; raise it (ONNX_FUZZ_RUNS=20000) for a longer hunt. */
const RUNS = Number(process.env.ONNX_FUZZ_RUNS ?? 300);
const ONNX_DIR = fileURLToPath(new URL('../fixtures/onnx', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'rnn-serve-onnx-errors-'));
after(() => rmSync(root, { recursive: true, force: true }));

/* eslint-disable @typescript-eslint/no-explicit-any -- protobufjs plain objects are untyped by nature */
type Proto = Record<string, any>;

function fixtureBytes(name: string): Buffer {
  return readFileSync(join(ONNX_DIR, name, 'model.onnx'));
}

/** The fixture's ModelProto as a plain object (int64 as numbers, bytes as Buffers) to edit. */
function decoded(name: string): Proto {
  return ModelProto.toObject(ModelProto.decode(fixtureBytes(name)), { longs: Number }) as Proto;
}

function encoded(model: Proto): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

function node(model: Proto, name: string): Proto {
  const found = (model.graph.node as Proto[]).find((n) => n.name === name);
  assert.ok(found !== undefined, `fixture has no node ${name}`);
  return found;
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const attribute = (name: string, value: Proto): Proto => ({ name, ...value });

let counter = 0;
/** A package folder holding these files; returns its path (the package's name is its folder's). */
function packageWith(files: Record<string, Uint8Array | string | object>): string {
  const dir = join(root, `pkg-${counter++}`);
  mkdirSync(dir);
  for (const [file, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content);
    writeFileSync(join(dir, file), bytes);
  }
  return dir;
}

async function expectRefused(dir: string, ...fragments: string[]): Promise<void> {
  await assert.rejects(loadModelPackage(dir), (error: unknown) => {
    assert.ok(error instanceof ModelPackageError, `expected a ModelPackageError, got ${String(error)}`);
    for (const fragment of fragments) {
      assert.ok(error.message.includes(fragment), `message ${JSON.stringify(error.message)} lacks ${JSON.stringify(fragment)}`);
    }
    return true;
  });
}

/** keras-lstm with one edit. */
function kerasLstm(edit: (model: Proto) => void): string {
  const model = decoded('keras-lstm');
  edit(model);
  return packageWith({ 'model.onnx': encoded(model) });
}

describe('malformed model.onnx', () => {
  it('refuses bytes that are not protobuf', async () => {
    await expectRefused(packageWith({ 'model.onnx': 'this is not a model\n' }), 'model.onnx: not a valid ONNX protobuf');
  });

  it('refuses an empty file (a ModelProto without a graph)', async () => {
    await expectRefused(packageWith({ 'model.onnx': new Uint8Array(0) }), 'model.onnx: has no graph');
  });

  it('refuses a truncated file', async () => {
    const bytes = fixtureBytes('keras-lstm');
    await expectRefused(packageWith({ 'model.onnx': bytes.subarray(0, bytes.length - 100) }), 'model.onnx: not a valid ONNX protobuf');
  });

  it('refuses a tensor whose raw_data is shorter than its dims say', async () => {
    const dir = kerasLstm((model) => {
      const W = (model.graph.initializer as Proto[]).find((t) => t.name === 'W')!;
      W.raw_data = (W.raw_data as Buffer).subarray(0, 40);
    });
    await expectRefused(dir, "initializer 'W' has 40 bytes of raw_data, but dims [1, 20, 3] of float need 240");
  });

  it('refuses a tensor with a negative dimension', async () => {
    const dir = kerasLstm((model) => {
      (model.graph.initializer as Proto[]).find((t) => t.name === 'R')!.dims = [1, -20, 5];
    });
    await expectRefused(dir, "initializer 'R' has a negative dimension in dims [1, -20, 5]");
  });

  it('refuses weights kept in an external file', async () => {
    const dir = kerasLstm((model) => {
      (model.graph.initializer as Proto[]).find((t) => t.name === 'W')!.data_location = 1;
    });
    await expectRefused(dir, "initializer 'W' keeps its data in an external file");
  });

  it('refuses an opset older than 7', async () => {
    await expectRefused(kerasLstm((model) => (model.opset_import = [{ domain: '', version: 6 }])), 'uses opset 6; supported: 7 to 22');
  });
});

describe('graphs that are not a recurrent model this server runs', () => {
  it('names an unsupported node, its op type and what is supported', async () => {
    const dir = kerasLstm((model) => (node(model, 'output').op_type = 'LogSoftmax'));
    await expectRefused(dir, "node 'output' (LogSoftmax): is not part of a recurrent model", 'supported: LSTM, GRU, RNN');
  });

  it('refuses LSTM peepholes, clip, input_forget and other activations', async () => {
    await expectRefused(
      kerasLstm((model) => {
        model.graph.initializer.push({ name: 'P', dims: [1, 15], data_type: 1, raw_data: Buffer.alloc(60) });
        node(model, 'lstm_1').input = ['x_tbf', 'W', 'R', 'B', '', '', '', 'P'];
      }),
      "node 'lstm_1' (LSTM): has peephole weights (input P); peepholes are not supported",
    );
    await expectRefused(
      kerasLstm((model) => node(model, 'lstm_1').attribute.push(attribute('clip', { type: 1, f: 3 }))),
      "node 'lstm_1' (LSTM): sets clip; cell clipping is not supported",
    );
    await expectRefused(
      kerasLstm((model) => node(model, 'lstm_1').attribute.push(attribute('input_forget', { type: 2, i: 1 }))),
      "node 'lstm_1' (LSTM): sets input_forget",
    );
    await expectRefused(
      kerasLstm((model) =>
        node(model, 'lstm_1').attribute.push(attribute('activations', { type: 8, strings: [text('Sigmoid'), text('Relu'), text('Tanh')] })),
      ),
      "node 'lstm_1' (LSTM): has activations [Sigmoid, Relu, Tanh]; LSTM takes only its defaults [Sigmoid, Tanh, Tanh]",
    );
  });

  it('refuses sequence_lens and an unknown direction', async () => {
    await expectRefused(
      kerasLstm((model) => {
        model.graph.initializer.push({ name: 'lens', dims: [1], data_type: 6, int32_data: [3] });
        node(model, 'lstm_1').input = ['x_tbf', 'W', 'R', 'B', 'lens'];
      }),
      "node 'lstm_1' (LSTM): has sequence_lens",
    );
    await expectRefused(
      kerasLstm((model) => (node(model, 'lstm_1').attribute.find((a: Proto) => a.name === 'direction').s = text('sideways'))),
      "node 'lstm_1' (LSTM): has direction 'sideways'; supported: forward, reverse, bidirectional",
    );
  });

  it('refuses W of the wrong dims, naming the expected ones', async () => {
    const dir = kerasLstm((model) => (node(model, 'lstm_1').attribute.find((a: Proto) => a.name === 'hidden_size').i = 4));
    await expectRefused(dir, "node 'lstm_1' (LSTM): input W 'W' has dims [1, 20, 3], expected [1, 16, 3]");
  });

  it('refuses a Reshape that would mix batch and features (no Transpose before it)', async () => {
    const dir = kerasLstm((model) => (node(model, 'transpose_out').attribute[0].ints = [0, 1, 2, 3]));
    await expectRefused(dir, "node 'merge_directions' (Reshape): cannot reshape [time, 1, batch, hidden0(5)] to [0, 0, 5]: size 5 would take the batch axis");
  });

  it('refuses a head that reads the recurrent output twice (a branch)', async () => {
    const dir = kerasLstm((model) => {
      model.graph.node.push({ name: 'second_head', op_type: 'MatMul', input: ['seq', 'dense_w'], output: ['other'] });
    });
    await expectRefused(dir, "node 'second_head' (MatMul): reads the output of node 'lstm_1' again", 'only one chain');
  });

  it('refuses a graph without a recurrent node', async () => {
    const model = decoded('keras-lstm');
    model.graph.node = [{ name: 'only', op_type: 'Identity', input: ['x'], output: ['y'] }];
    await expectRefused(packageWith({ 'model.onnx': encoded(model) }), 'has no LSTM, GRU or RNN node');
  });

  it('refuses a graph output that is not the output sequence', async () => {
    const dir = kerasLstm((model) => model.graph.output.push({ name: 'x_tbf' }));
    await expectRefused(dir, "graph output 'x_tbf' is the sequence; the outputs must be the network's output sequence");
  });

  it('refuses a control-flow subgraph', async () => {
    const dir = kerasLstm((model) => {
      node(model, 'output').op_type = 'If';
      node(model, 'output').attribute = [attribute('then_branch', { type: 5, g: Buffer.from([0x0a, 0x00]) })];
    });
    await expectRefused(dir, "node 'output' (If): has a subgraph attribute 'then_branch'");
  });

  it('refuses state rows that are not the layer\'s (PyTorch h_0 layout)', async () => {
    const model = decoded('lstm-2layer-batchfirst-head-opset17');
    const slice = (model.graph.node as Proto[]).find((n) => n.op_type === 'Slice' && n.input[0] === 'h0')!;
    // starts of layer 0's slice: a Constant node [0] -> [1]
    const starts = (model.graph.node as Proto[]).find((n) => n.output[0] === slice.input[1])!;
    starts.attribute[0].t.raw_data = Buffer.from(new BigInt64Array([1n]).buffer);
    await expectRefused(packageWith({ 'model.onnx': encoded(model) }), "initial_h is rows 1..1 of graph input 'h0'; layer 0 (1 direction) must read rows 0..1");
  });
});

describe('config.json beside model.onnx', () => {
  const onnx = fixtureBytes('keras-lstm');

  it('loads without one', async () => {
    const loaded = await loadModelPackage(packageWith({ 'model.onnx': onnx }));
    assert.equal(loaded.config.layout, 'onnx');
    assert.equal(loaded.config.hidden_size, 5);
  });

  it('refuses sizes that disagree with the graph', async () => {
    await expectRefused(
      packageWith({ 'model.onnx': onnx, 'config.json': { hidden_size: 6, architecture: 'gru', output_size: 2 } }),
      "config.json: architecture is \"gru\", but model.onnx's graph has \"lstm\"; hidden_size is 6, but model.onnx's graph has 5",
    );
  });

  it('refuses keys that describe weights (the graph has them)', async () => {
    await expectRefused(packageWith({ 'model.onnx': onnx, 'config.json': { bias: false } }), "config.json: unknown key 'bias'");
  });

  it('checks labels against the graph\'s output width', async () => {
    await expectRefused(packageWith({ 'model.onnx': onnx, 'config.json': { labels: ['a', 'b', 'c'] } }), 'labels has 3 entries, expected 2 (output_size 2)');
  });

  it('needs a vocab of the embedding\'s size for a token model', async () => {
    const token = fixtureBytes('embedding-gru-opset17');
    await expectRefused(packageWith({ 'model.onnx': token }), 'config.json needs a vocab of 7 entries');
    await expectRefused(packageWith({ 'model.onnx': token, 'config.json': { vocab: ['a', 'b'] } }), "vocab has 2 entries, but model.onnx's embedding has 7 rows");
  });

  it('refuses model.onnx next to another weight file', async () => {
    await expectRefused(packageWith({ 'model.onnx': onnx, 'model.safetensors': new Uint8Array(8) }), 'has both model.onnx and model.safetensors');
  });
});

/** Outcome of loading bytes: a network that runs, or a ModelPackageError; anything else fails the property. */
function loadsOrPackageError(bytes: Uint8Array, configJson?: unknown): boolean {
  let loaded;
  try {
    loaded = loadOnnxPackage(bytes, configJson, 'fuzz');
  } catch (error) {
    if (error instanceof ModelPackageError) return true;
    throw error;
  }
  const spec = toNetworkSpec(loaded.config);
  const network = withDirectionalLayers(createNetwork)(spec, loaded.weights, { maxBatch: 1 });
  const steps = 3;
  const inputs = spec.vocabSize !== undefined ? network.embed([0, 0, 0]) : new Float32Array(steps * spec.inputSize);
  assert.equal(network.runSequence(inputs, steps).outputs.length, steps * spec.outputSize);
  return true;
}

for (const name of ['keras-lstm', 'lstm-2layer-batchfirst-head-opset17', 'embedding-gru-opset14', 'keras-gru-reset-before-bidirectional-gemm']) {
  test(`randomly corrupted ${name} model.onnx loads or throws ModelPackageError, nothing else`, () => {
    const bytes = fixtureBytes(name);
    const configFile = join(ONNX_DIR, name, 'config.json');
    const config: unknown = existsSync(configFile) ? JSON.parse(readFileSync(configFile, 'utf8')) : undefined;
    assert.ok(loadsOrPackageError(bytes, config));
    fc.assert(
      fc.property(fc.array(byteMutation, { minLength: 1, maxLength: 4 }), (mutations) => loadsOrPackageError(mutate(bytes, mutations), config)),
      { numRuns: RUNS },
    );
  });
}

test('arbitrary bytes as model.onnx load or throw ModelPackageError, nothing else', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => loadsOrPackageError(bytes)), { numRuns: RUNS });
});

/** Edits of a decoded graph that keep the protobuf valid: the recognizer, not the decoder, must refuse them. */
const graphEdit = fc.oneof(
  fc.record({
    kind: fc.constant('op' as const),
    node: fc.nat(),
    op: fc.constantFrom('LSTM', 'GRU', 'RNN', 'Transpose', 'Squeeze', 'Unsqueeze', 'Reshape', 'Identity', 'Cast', 'Shape', 'Gather',
      'Concat', 'Slice', 'ConstantOfShape', 'MatMul', 'Gemm', 'Add', 'Softmax', 'Sigmoid', 'Constant', 'Mul'),
  }),
  fc.record({ kind: fc.constant('input' as const), node: fc.nat(), slot: fc.nat(8), value: fc.nat() }),
  fc.record({ kind: fc.constant('attribute' as const), node: fc.nat(), at: fc.nat(), value: fc.integer({ min: -5, max: 40 }) }),
  fc.record({ kind: fc.constant('drop' as const), node: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), node: fc.nat() }),
  fc.record({ kind: fc.constant('dims' as const), tensor: fc.nat(), at: fc.nat(), value: fc.integer({ min: -1, max: 40 }) }),
  fc.record({ kind: fc.constant('dtype' as const), tensor: fc.nat(), value: fc.constantFrom(0, 1, 2, 6, 7, 8, 10, 11, 16) }),
);
type GraphEdit = typeof graphEdit extends fc.Arbitrary<infer T> ? T : never;

function applyEdits(model: Proto, edits: readonly GraphEdit[]): Proto {
  const graph = model.graph;
  const nodes = graph.node as Proto[];
  const tensors = graph.initializer as Proto[];
  const names = (): string[] => ['', ...tensors.map((t) => t.name), ...graph.input.map((i: Proto) => i.name), ...nodes.flatMap((n) => n.output ?? [])];
  for (const edit of edits) {
    if (edit.kind === 'dims' || edit.kind === 'dtype') {
      const tensor = tensors[edit.tensor % tensors.length]!;
      if (edit.kind === 'dtype') tensor.data_type = edit.value;
      else if ((tensor.dims ?? []).length > 0) tensor.dims[edit.at % tensor.dims.length] = edit.value;
      continue;
    }
    if (nodes.length === 0) continue;
    const k = edit.node % nodes.length;
    const target = nodes[k]!;
    if (edit.kind === 'op') target.op_type = edit.op;
    else if (edit.kind === 'drop') nodes.splice(k, 1);
    else if (edit.kind === 'duplicate') nodes.splice(k, 0, structuredClone(target));
    else if (edit.kind === 'input') {
      const inputs = (target.input ??= []) as string[];
      const all = names();
      inputs[Math.min(edit.slot, inputs.length)] = all[edit.value % all.length]!;
    } else {
      const attributes = (target.attribute ?? []) as Proto[];
      if (attributes.length === 0) continue;
      const a = attributes[edit.at % attributes.length]!;
      if (Array.isArray(a.ints) && a.ints.length > 0) a.ints[edit.at % a.ints.length] = edit.value;
      else a.i = edit.value;
    }
  }
  return model;
}

for (const name of ['keras-lstm', 'keras-gru-reset-before-bidirectional-gemm', 'lstm-2layer-batchfirst-head-opset17', 'gru-softmax-opset14']) {
  test(`randomly edited ${name} graphs load or throw ModelPackageError, nothing else`, () => {
    fc.assert(
      fc.property(fc.array(graphEdit, { minLength: 1, maxLength: 3 }), (edits) => loadsOrPackageError(encoded(applyEdits(decoded(name), edits)))),
      { numRuns: RUNS },
    );
  });
}

// A package with a NaN or infinite weight would answer NaN (then 500) on every request (issue 9,
// finding 2): it must be listed as failed, with an error naming the file, the tensor and the
// first bad value, whatever the tensor (recurrent, head, embedding), the layout or the dtype
// (an F64 1e300 is finite, but not once narrowed to float32).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ModelProto } from '../../src/model/onnx/onnx-proto.js';
import { ModelRepository } from '../../src/model/repository/model-repository.js';
import { encodeNpy, encodeNpz, encodeSafetensors, float32Bytes, float64Bytes, type TensorBytes } from '../helpers/model-files.js';

const root = mkdtempSync(join(tmpdir(), 'rnn-serve-nonfinite-weights-'));
after(() => rmSync(root, { recursive: true, force: true }));

const filled = (n: number, value = 0.1) => Array.from({ length: n }, () => value);
const f32 = (shape: number[], values?: number[]): TensorBytes => ({ dtype: 'F32', shape, bytes: float32Bytes(values ?? filled(shape.reduce((a, b) => a * b, 1))) });

/** A token gru (I 2, H 2, O 3, vocab 3) with one tensor replaced. */
function torchPackage(name: string, replace: Record<string, TensorBytes>): void {
  const tensors: Record<string, TensorBytes> = {
    'rnn.weight_ih_l0': f32([6, 2]),
    'rnn.weight_hh_l0': f32([6, 2]),
    'rnn.bias_ih_l0': f32([6]),
    'rnn.bias_hh_l0': f32([6]),
    'fc.weight': f32([3, 2]),
    'fc.bias': f32([3]),
    'embedding.weight': f32([3, 2]),
    ...replace,
  };
  mkdirSync(join(root, name));
  writeFileSync(
    join(root, name, 'config.json'),
    JSON.stringify({ architecture: 'gru', input_size: 2, hidden_size: 2, output_size: 3, vocab: ['a', 'b', 'c'] }),
  );
  writeFileSync(join(root, name, 'model.safetensors'), encodeSafetensors(tensors));
}

torchPackage('finite', {});
torchPackage('nan_recurrent', { 'rnn.weight_hh_l0': f32([6, 2], [0, 0, 0, 0, 0, NaN, 0, 0, 0, 0, 0, 0]) });
torchPackage('inf_head_bias', { 'fc.bias': f32([3], [0, Infinity, 0]) });
torchPackage('neg_inf_embedding', { 'embedding.weight': f32([3, 2], [0, 0, 0, 0, -Infinity, 0]) });
torchPackage('f64_overflow', { 'rnn.bias_ih_l0': { dtype: 'F64', shape: [6], bytes: float64Bytes([0, 0, 0, 1e300, 0, 0]) } });

// layout "seed" (npz of float64 column vectors): an infinite Why.
mkdirSync(join(root, 'seed_inf'));
writeFileSync(join(root, 'seed_inf', 'config.json'), JSON.stringify({ architecture: 'rnn', layout: 'seed', input_size: 2, hidden_size: 2, output_size: 2 }));
writeFileSync(
  join(root, 'seed_inf', 'weights.npz'),
  encodeNpz({
    Wxh: encodeNpy([2, 2], float64Bytes(filled(4))),
    Whh: encodeNpy([2, 2], float64Bytes(filled(4))),
    Why: encodeNpy([2, 2], float64Bytes([0, 0, 0, -Infinity])),
    bh: encodeNpy([2, 1], float64Bytes(filled(2))),
    by: encodeNpy([2, 1], float64Bytes(filled(2))),
  }),
);

// layout "onnx": keras-lstm's input weights W with one NaN (the loader assembles weights from the graph).
{
  const bytes = readFileSync(new URL('../fixtures/onnx/keras-lstm/model.onnx', import.meta.url));
  /* eslint-disable-next-line @typescript-eslint/no-explicit-any -- protobufjs plain objects are untyped */
  const model = ModelProto.toObject(ModelProto.decode(bytes), { longs: Number }) as Record<string, any>;
  const W = (model.graph.initializer as { name: string; raw_data: Buffer }[]).find((t) => t.name === 'W')!;
  const raw = Buffer.from(W.raw_data);
  raw.writeFloatLE(NaN, 4 * 5);
  W.raw_data = raw;
  mkdirSync(join(root, 'onnx_nan'));
  writeFileSync(join(root, 'onnx_nan', 'model.onnx'), ModelProto.encode(ModelProto.fromObject(model)).finish());
}

describe('packages with non-finite weights', () => {
  it('fail to load, each with an error naming the file, the tensor and the value; a finite one is ready', async () => {
    const registry = await ModelRepository.load(root);
    const byName = new Map(registry.list().map((entry) => [entry.name, entry]));
    assert.equal(byName.get('finite')?.status, 'ready', byName.get('finite')?.error);
    const expected: Record<string, RegExp> = {
      nan_recurrent: /nan_recurrent\/model\.safetensors: tensor 'rnn\.weight_hh_l0' has a non-finite value NaN at \[2, 1\]/,
      inf_head_bias: /inf_head_bias\/model\.safetensors: tensor 'fc\.bias' has a non-finite value Infinity at \[1\]/,
      neg_inf_embedding: /tensor 'embedding\.weight' has a non-finite value -Infinity at \[2, 0\]/,
      f64_overflow: /tensor 'rnn\.bias_ih_l0' has a non-finite value Infinity at \[3\].*float32/,
      seed_inf: /seed_inf\/weights\.npz: tensor 'Why' has a non-finite value -Infinity at \[1, 1\]/,
      onnx_nan: /onnx_nan\/model\.onnx: weight weight_ih_l0 has a non-finite value NaN/,
    };
    for (const [name, pattern] of Object.entries(expected)) {
      const entry = byName.get(name);
      assert.equal(entry?.status, 'failed', `${name} must fail to load`);
      assert.match(entry.error ?? '', pattern);
    }
  });
});

// The bench's onnxruntime-node peer: networks exported to ONNX by torch.onnx.export from the same
// weights rnn-serve runs (export_onnx.py, with /usr/bin/python3), cached by content hash under
// node_modules/.cache/rnn-serve-bench (never committed), loaded single-threaded.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetworkSpec, NetworkWeights } from '../../src/engine/index.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

/** The slice of onnxruntime-node's API the benches use (it is not a dependency of the project). */
export interface OrtTensor {
  readonly data: Float32Array;
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
export interface Ort {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    create(path: string, options: Record<string, unknown>): Promise<OrtSession>;
  };
}

/** onnxruntime-node from bench/peers/node_modules; throws with the install command when missing. */
export function loadOrt(): Ort {
  try {
    return createRequire(join(here, 'package.json'))('onnxruntime-node') as Ort;
  } catch (error) {
    throw new Error(`onnxruntime-node is not installed: run \`npm install --ignore-scripts\` in bench/peers (${(error as Error).message})`);
  }
}

/** One intra-op and one inter-op thread: the comparison is single-threaded on both sides. */
export const SINGLE_THREAD = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };

export interface OnnxModel {
  readonly name: string;
  readonly spec: NetworkSpec;
  readonly weights: NetworkWeights;
}

/**
 * Exports every model (single layer, optionally a Linear head) and the 1024 MatMul; returns the cache folder.
 * Skips the export when the folder already holds the same weights' models.
 */
export function exportOnnxModels(models: readonly OnnxModel[]): string {
  const hash = createHash('sha256');
  for (const m of models) {
    hash.update(m.name);
    for (const layer of m.weights.layers) for (const t of Object.values(layer)) hash.update(new Uint8Array(t.buffer, t.byteOffset, t.byteLength));
  }
  for (const m of models) if (m.weights.head !== undefined) hash.update(new Uint8Array(m.weights.head.weight.buffer));
  hash.update('export_onnx.py v2');
  const dir = join(here, '..', '..', 'node_modules', '.cache', 'rnn-serve-bench', hash.digest('hex').slice(0, 16));
  if (existsSync(join(dir, 'matmul_1024.onnx'))) return dir;
  mkdirSync(dir, { recursive: true });
  const manifest = {
    models: models.map((m) => {
      const [layer] = m.weights.layers;
      const files: Record<string, string> = {};
      const write = (file: string, values: Float32Array): string => {
        writeFileSync(join(dir, file), new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
        return file;
      };
      const head = m.weights.head === undefined ? {} : {
        output_size: m.spec.outputSize,
        head: { weight: write(`${m.name}.head_weight.f32`, m.weights.head.weight), bias: write(`${m.name}.head_bias.f32`, m.weights.head.bias) },
      };
      for (const [tensor, values] of [['weight_ih_l0', layer.weightIh], ['weight_hh_l0', layer.weightHh],
        ['bias_ih_l0', layer.biasIh], ['bias_hh_l0', layer.biasHh]] as const) {
        files[tensor] = write(`${m.name}.${tensor}.f32`, values);
      }
      return { name: m.name, architecture: m.spec.architecture, input_size: m.spec.inputSize, hidden_size: m.spec.hiddenSize, weights: files, ...head };
    }),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const run = spawnSync(PYTHON, [join(here, 'export_onnx.py'), join(dir, 'manifest.json')], { encoding: 'utf8' });
  if (run.status !== 0) {
    throw new Error(`ONNX export failed (${PYTHON}; needs python3-torch and python3-onnx):\n${run.stderr}`);
  }
  return dir;
}

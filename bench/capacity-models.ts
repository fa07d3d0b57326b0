// The models the capacity bench measures: the bundled ones (models/) and random LSTM and GRU
// packages of H = 128 to 1024 (input 32, a linear head of 32 outputs, PyTorch's initialisation
// range), written into one temporary models folder that a server serves.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeRandomPackage } from '../test/helpers/model-files.js';
import { repoRoot } from './child-server.js';

export interface BenchModel {
  readonly name: string;
  readonly architecture: string;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  /** Token models take `{"tokens"}`; the others `{"x"}` / `{"inputs"}`. */
  readonly tokens: boolean;
  /** float32 values in the state: h (and c for an LSTM), every layer. */
  readonly stateFloats: number;
}

export const RANDOM_HIDDEN_SIZES = [128, 256, 512, 1024] as const;
const RANDOM_INPUT_SIZE = 32;
const RANDOM_OUTPUT_SIZE = 32;

export interface BenchModels {
  readonly dir: string;
  readonly models: readonly BenchModel[];
  remove(): void;
}

export function writeBenchModels(): BenchModels {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-capacity-'));
  const bundled = readdirSync(join(repoRoot, 'models')).sort();
  for (const name of bundled) cpSync(join(repoRoot, 'models', name), join(dir, name), { recursive: true });
  const random: string[] = [];
  for (const architecture of ['lstm', 'gru'] as const) {
    for (const hidden of RANDOM_HIDDEN_SIZES) {
      const name = `${architecture}-${hidden}`;
      writeRandomPackage(dir, name, { architecture, input_size: RANDOM_INPUT_SIZE, hidden_size: hidden, output_size: RANDOM_OUTPUT_SIZE }, hidden, 1 / Math.sqrt(hidden));
      random.push(name);
    }
  }
  const models = [...bundled, ...random].map((name) => describe(name, JSON.parse(readFileSync(join(dir, name, 'config.json'), 'utf8')) as Record<string, unknown>));
  return { dir, models, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function describe(name: string, config: Record<string, unknown>): BenchModel {
  const architecture = String(config.architecture);
  const hiddenSize = Number(config.hidden_size);
  const numLayers = Number(config.num_layers ?? 1);
  return {
    name,
    architecture,
    inputSize: Number(config.input_size),
    hiddenSize,
    numLayers,
    tokens: Array.isArray(config.vocab),
    stateFloats: (architecture === 'lstm' ? 2 : 1) * numLayers * hiddenSize,
  };
}

/** A few different single-element stream frames for a model (JSON). */
export function streamFrames(model: BenchModel): string[] {
  return Array.from({ length: 16 }, (_, k) =>
    model.tokens
      ? JSON.stringify({ tokens: [k % 8] })
      : JSON.stringify({ x: Array.from({ length: model.inputSize }, (_, i) => (model.inputSize === 1 ? 330 + k : ((i + k) % 7) / 7)) }),
  );
}

/** A single-element REST step body for a model. */
export function stepBody(model: BenchModel, k: number): string {
  return model.tokens
    ? JSON.stringify({ tokens: [k % 8] })
    : JSON.stringify({ inputs: [Array.from({ length: model.inputSize }, (_, i) => (model.inputSize === 1 ? 330 + (k % 10) : ((i + k) % 7) / 7))] });
}

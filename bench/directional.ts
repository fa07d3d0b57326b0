// The costs issue 13 added, side by side with their peers in one run (ratios, not absolutes):
//   1. the GRU with the reset before the product (ONNX linear_before_reset=0) against PyTorch's
//      GRU on the wasm engine: stepBatch at B = 1, 8, 64 and runSequence (T = 100);
//   2. a bidirectional LSTM (composed of per-direction wasm networks) against a forward LSTM of
//      the same hidden size, runSequence T = 100, in GFLOP/s so the two do comparable work;
//   3. loading a package from model.onnx against the same model from model.safetensors.
// Run with `npm run bench:directional`.

import { fileURLToPath } from 'node:url';
import { createNetwork, stateSize, withDirectionalLayers } from '../src/engine/index.js';
import type { NetworkSpec, RecurrentNetwork } from '../src/engine/index.js';
import { randomFloats, randomWeights, seededRandom } from '../src/engine/random-weights.js';
import { loadModelPackage } from '../src/model/package-loader.js';

const T = 100;
const ROUNDS = 5;

/** Calls per second of `run` by CPU time: warm-up, then the median of timed rounds. */
function callsPerSecond(run: () => void, roundMs = 120): number {
  const round = (ms: number): number => {
    let calls = 0;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    while (performance.now() - start < ms) {
      run();
      calls++;
    }
    const cpu = process.cpuUsage(cpuStart);
    return calls / ((cpu.user + cpu.system) / 1e6);
  };
  round(150);
  const rates = Array.from({ length: ROUNDS }, () => round(roundMs)).sort((a, b) => a - b);
  return rates[Math.floor(ROUNDS / 2)]!;
}

function spec(architecture: 'gru' | 'lstm', I: number, H: number, extra: Partial<NetworkSpec> = {}): NetworkSpec {
  return { architecture, inputSize: I, hiddenSize: H, numLayers: 1, nonlinearity: 'tanh', outputSize: H, hasHead: false, outputActivation: 'identity', ...extra };
}

function elementsPerSecond(net: RecurrentNetwork, mode: 'stepBatch' | 'runSequence', B: number): number {
  const I = net.spec.inputSize;
  if (mode === 'runSequence') {
    const inputs = randomFloats(T * I, 1, seededRandom(6));
    return T * callsPerSecond(() => net.runSequence(inputs, T));
  }
  const x = randomFloats(B * I, 1, seededRandom(5));
  const states = new Float32Array(B * stateSize(net.spec));
  const outputs = new Float32Array(B * net.spec.outputSize);
  return B * callsPerSecond(() => net.stepBatch(B, x, states, outputs));
}

const format = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

console.log('1. GRU cells on the wasm engine (elements/s; ratio = reset-before / PyTorch)');
console.log('   I    H  mode          B   pytorch-gru  reset-before  ratio');
for (const [I, H] of [[32, 128], [128, 256]] as const) {
  const torchSpec = spec('gru', I, H);
  const weights = randomWeights(torchSpec, 1);
  const torchGru = createNetwork(torchSpec, weights, { maxBatch: 64 });
  const resetBefore = createNetwork({ ...torchSpec, gruResetBeforeProduct: true }, weights, { maxBatch: 64 });
  for (const [mode, B] of [['stepBatch', 1], ['stepBatch', 8], ['stepBatch', 64], ['runSequence', 1]] as const) {
    const a = elementsPerSecond(torchGru, mode, B);
    const b = elementsPerSecond(resetBefore, mode, B);
    console.log(`${String(I).padStart(4)} ${String(H).padStart(4)}  ${mode.padEnd(12)} ${String(B).padStart(2)}  ${format(a).padStart(12)}  ${format(b).padStart(12)}  ${format(b / a, 2)}`);
  }
}

console.log('\n2. Bidirectional LSTM (2 layers, composed) vs forward LSTM (2 layers), runSequence T = 100');
console.log('   I    H  forward GFLOP/s  bidirectional GFLOP/s  ratio');
for (const [I, H] of [[32, 64], [64, 256]] as const) {
  const forwardSpec = spec('lstm', I, H, { numLayers: 2 });
  const biSpec = spec('lstm', I, H, { numLayers: 2, direction: 'bidirectional', outputSize: 2 * H });
  const forward = createNetwork(forwardSpec, randomWeights(forwardSpec, 2));
  const bidirectional = withDirectionalLayers(createNetwork)(biSpec, randomWeights(biSpec, 3), {});
  const G = 4;
  const forwardFlops = 2 * G * H * (I + H) + 2 * G * H * (H + H);
  const biFlops = 2 * (2 * G * H * (I + H) + 2 * G * H * (2 * H + H));
  const f = (elementsPerSecond(forward, 'runSequence', 1) * forwardFlops) / 1e9;
  const b = (elementsPerSecond(bidirectional, 'runSequence', 1) * biFlops) / 1e9;
  console.log(`${String(I).padStart(4)} ${String(H).padStart(4)}  ${format(f, 2).padStart(15)}  ${format(b, 2).padStart(21)}  ${format(b / f, 2)}`);
}

console.log('\n3. Loading kjv-char-gru (ms, median of 5): model.safetensors vs model.onnx');
const median = async (dir: string): Promise<number> => {
  const times: number[] = [];
  for (let k = 0; k < ROUNDS; k++) {
    const start = performance.now();
    await loadModelPackage(dir);
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
};
const safetensorsMs = await median(fileURLToPath(new URL('../models/kjv-char-gru', import.meta.url)));
const onnxMs = await median(fileURLToPath(new URL('../test/fixtures/onnx/bundled-kjv-char-gru', import.meta.url)));
console.log(`   safetensors ${format(safetensorsMs, 1)} ms, onnx ${format(onnxMs, 1)} ms, ratio ${format(onnxMs / safetensorsMs, 2)}`);

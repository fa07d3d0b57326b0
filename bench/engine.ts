// Engine speed side by side with onnxruntime-node in the same process, single thread, on the same
// weights (exported to ONNX by torch.onnx.export, bench/peers/): rnn, lstm and gru at (I, H) =
// (32,128), (128,256), (256,512), each as one step at B=1, one step at B=64, and whole sequences
// of T=50 and T=500 at B=1. Prints the time ratio onnxruntime / ours for the native engine (and
// the wasm engine), the core's FP32 peak (onnxruntime's single-threaded 1024^3 MatMul) and the
// share of it the native engine reaches at B=64.
//
// Setup once: (cd bench/peers && npm install --ignore-scripts); /usr/bin/python3 with torch and
// onnx (Debian: python3-torch python3-onnx). Run with `npm run bench:engine`.
// flops of a step = 2 * G * H * (I + H) * B (G = 1, 4, 3 gate blocks), the products only.

import { createWasmNetwork, gateCount, selectEngine, stateSize } from '../src/engine/index.js';
import type { Architecture, NetworkSpec, NetworkWeights, RecurrentNetwork } from '../src/engine/index.js';
import { loadNativeAddon } from '../src/engine/native-addon.js';
import { createNativeNetwork } from '../src/engine/native-network.js';
import { randomFloats, randomWeights, seededRandom } from '../src/engine/random-weights.js';
import { exportOnnxModels, loadOrt, SINGLE_THREAD } from './peers/onnx-models.js';
import type { OrtSession, OrtTensor } from './peers/onnx-models.js';
import { join } from 'node:path';
import { loadavg } from 'node:os';

const SIZES: ReadonlyArray<readonly [number, number]> = [[32, 128], [128, 256], [256, 512]];
const ARCHITECTURES: readonly Architecture[] = ['rnn', 'lstm', 'gru'];
interface Case { readonly label: string; readonly T: number; readonly B: number; readonly step: boolean }
const CASES: readonly Case[] = [
  { label: 'step B=1', T: 1, B: 1, step: true },
  { label: 'step B=64', T: 1, B: 64, step: true },
  { label: 'seq T=50', T: 50, B: 1, step: false },
  { label: 'seq T=500', T: 500, B: 1, step: false },
];
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 100);
const ROUND_MS = Number(process.env.ROUND_MS ?? 100);
const ROUNDS = 5;
const WITH_WASM = process.env.BENCH_WASM !== '0';
/** Models also run with weights rounded to f16 (as a package stored in f16 would load), kept 16-bit. */
const F16_MODELS = ['lstm_256_512', 'gru_256_512', 'lstm_128_256'];
const F16_CASES = CASES.filter((c) => c.label !== 'step B=64');

/** The nearest IEEE half of v (as a float32: exact), for weights of the magnitudes used here. */
function roundToHalf(v: number): number {
  if (v === 0) return 0;
  const step = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(v))), -14) - 10);
  return Math.round(v / step) * step;
}

function halfWeights(weights: NetworkWeights): NetworkWeights {
  const round = (t: Float32Array): Float32Array => t.map(roundToHalf);
  return { layers: weights.layers.map((l) => ({ ...l, weightIh: round(l.weightIh), weightHh: round(l.weightHh) })) };
}

/**
 * Seconds per call of `run`, from the process's CPU time (every thread, so onnxruntime's own
 * threads count too; being descheduled on a busy machine does not): the median of several rounds.
 */
async function secondsPerCall(run: () => unknown): Promise<number> {
  const round = async (ms: number): Promise<number> => {
    let calls = 0;
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    while (performance.now() - start < ms || calls < 3) {
      const result = run();
      if (result instanceof Promise) await result;
      calls++;
    }
    const cpu = process.cpuUsage(cpuStart);
    return (cpu.user + cpu.system) / 1e6 / calls;
  };
  await round(WARMUP_MS);
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push(await round(ROUND_MS));
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
}

function makeSpec(architecture: Architecture, I: number, H: number): NetworkSpec {
  return { architecture, inputSize: I, hiddenSize: H, numLayers: 1, nonlinearity: 'tanh', outputSize: H, hasHead: false, outputActivation: 'identity' };
}

function ourCall(net: RecurrentNetwork, c: Case): () => unknown {
  const { inputSize: I } = net.spec;
  const random = seededRandom(5);
  if (c.step) {
    const x = randomFloats(c.B * I, 1, random);
    const states = new Float32Array(c.B * stateSize(net.spec));
    const outputs = new Float32Array(c.B * net.spec.outputSize);
    return () => net.stepBatch(c.B, x, states, outputs);
  }
  const inputs = randomFloats(c.T * I, 1, random);
  return () => net.runSequence(inputs, c.T);
}

function ortCall(ort: ReturnType<typeof loadOrt>, session: OrtSession, spec: NetworkSpec, c: Case): () => unknown {
  const { inputSize: I, hiddenSize: H } = spec;
  const feeds: Record<string, OrtTensor> = {
    x: new ort.Tensor('float32', randomFloats(c.T * c.B * I, 1, seededRandom(5)), [c.T, c.B, I]),
    h0: new ort.Tensor('float32', new Float32Array(c.B * H), [1, c.B, H]),
  };
  if (spec.architecture === 'lstm') feeds.c0 = new ort.Tensor('float32', new Float32Array(c.B * H), [1, c.B, H]);
  return () => session.run(feeds);
}

interface Row {
  readonly model: string;
  readonly c: Case;
  readonly flops: number;
  readonly native: number;
  readonly wasm?: number;
  readonly ort: number;
}

async function main(): Promise<void> {
  const started = performance.now();
  const native = selectEngine('native');
  const ort = loadOrt();
  const models = SIZES.flatMap(([I, H]) => ARCHITECTURES.map((architecture) => {
    const spec = makeSpec(architecture, I, H);
    return { name: `${architecture}_${I}_${H}`, spec, weights: randomWeights(spec, 1) as NetworkWeights };
  }));
  const f16Models = models.filter((m) => F16_MODELS.includes(m.name))
    .map((m) => ({ name: `${m.name}_f16`, spec: m.spec, weights: halfWeights(m.weights) }));
  const dir = exportOnnxModels([...models, ...f16Models]);
  console.log(`uptime load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const matmul = await ort.InferenceSession.create(join(dir, 'matmul_1024.onnx'), SINGLE_THREAD);
  const n = 1024;
  const mm = { a: new ort.Tensor('float32', randomFloats(n * n, 1, seededRandom(1)), [n, n]), b: new ort.Tensor('float32', randomFloats(n * n, 1, seededRandom(2)), [n, n]) };
  const ortMatmulGflops = (2 * n ** 3) / (await secondsPerCall(() => matmul.run(mm))) / 1e9;
  const load = loadNativeAddon();
  if (!('addon' in load)) throw new Error(load.error);
  // The core's peak: register-only FMAs at the ISA's width, the highest rate any kernel can reach.
  const peakGflops = load.addon.benchFmaPeak(native.isa);
  const ownGemmGflops = load.addon.benchGemm(native.isa, n, n, n);

  const rows: Row[] = [];
  for (const { name, spec, weights } of models) {
    const ours = native.create(spec, weights, { maxBatch: 64 });
    const wasm = WITH_WASM ? createWasmNetwork(spec, weights, { maxBatch: 64 }) : undefined;
    const session = await ort.InferenceSession.create(join(dir, `${name}.onnx`), SINGLE_THREAD);
    for (const c of CASES) {
      const flops = 2 * gateCount(spec.architecture) * spec.hiddenSize * (spec.inputSize + spec.hiddenSize) * c.B * c.T;
      rows.push({
        model: name, c, flops,
        native: await secondsPerCall(ourCall(ours, c)),
        ...(wasm === undefined ? {} : { wasm: await secondsPerCall(ourCall(wasm, c)) }),
        ort: await secondsPerCall(ortCall(ort, session, spec, c)),
      });
    }
  }

  // f16 weights: the native engine keeps them in 16 bits (same results as float32 storage).
  const f16Rows: { model: string; c: Case; f16: number; f32: number; ort: number; types: string }[] = [];
  for (const { name, spec, weights } of f16Models) {
    const kept = createNativeNetwork(load.addon, spec, weights, { isa: native.isa, maxBatch: 64 });
    const plain = createNativeNetwork(load.addon, spec, weights, { isa: native.isa, maxBatch: 64, weightStorage: 'f32' });
    const session = await ort.InferenceSession.create(join(dir, `${name}.onnx`), SINGLE_THREAD);
    for (const c of F16_CASES) {
      f16Rows.push({
        model: name, c, types: kept.weightTypes,
        f16: await secondsPerCall(ourCall(kept, c)),
        f32: await secondsPerCall(ourCall(plain, c)),
        ort: await secondsPerCall(ortCall(ort, session, spec, c)),
      });
    }
  }

  const us = (s: number): string => (s * 1e6).toFixed(s < 1e-4 ? 2 : 0);
  console.log(`\nnative engine: ${native.isa} kernels; onnxruntime-node 1.30 (MLAS), 1 intra-op thread`);
  console.log(`core FP32 peak (${native.isa} FMAs in registers, 1 thread): ${peakGflops.toFixed(1)} GFLOP/s; ` +
    `sgemm 1024x1024x1024: ours ${ownGemmGflops.toFixed(1)} (${((100 * ownGemmGflops) / peakGflops).toFixed(0)}%), ` +
    `onnxruntime MatMul ${ortMatmulGflops.toFixed(1)} GFLOP/s (${((100 * ortMatmulGflops) / peakGflops).toFixed(0)}%)\n`);
  console.log('| model | case | native us | wasm us | onnxruntime us | native GF/s | ort / native | ort / wasm |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.model} | ${r.c.label} | ${us(r.native)} | ${r.wasm === undefined ? '' : us(r.wasm)} | ${us(r.ort)} | ` +
      `${(r.flops / r.native / 1e9).toFixed(1)} | **${(r.ort / r.native).toFixed(2)}x** | ${r.wasm === undefined ? '' : `${(r.ort / r.wasm).toFixed(2)}x`} |`);
  }
  console.log('\nWeights stored as f16 (values exact in f16), kept 16-bit by the native engine:\n');
  console.log('| model | case | native f16 us | native f32-stored us | onnxruntime us | f32 / f16 | ort / native f16 |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of f16Rows) {
    console.log(`| ${r.model} (${r.types}) | ${r.c.label} | ${us(r.f16)} | ${us(r.f32)} | ${us(r.ort)} | ${(r.f32 / r.f16).toFixed(2)}x | **${(r.ort / r.f16).toFixed(2)}x** |`);
  }
  console.log('\nB=64 one step at H=512, share of the peak:');
  for (const r of rows.filter((row) => row.c.B === 64 && row.model.endsWith('_512'))) {
    const gf = r.flops / r.native / 1e9;
    console.log(`  ${r.model}: ${gf.toFixed(1)} GFLOP/s = ${((100 * gf) / peakGflops).toFixed(0)}% of ${peakGflops.toFixed(1)}`);
  }
  const worst = rows.reduce((a, b) => (b.ort / b.native < a.ort / a.native ? b : a));
  const stepB1 = rows.filter((r) => r.c.label === 'step B=1').reduce((a, b) => (b.ort / b.native < a.ort / a.native ? b : a));
  console.log(`\nlowest ratio: ${worst.model} ${worst.c.label} ${(worst.ort / worst.native).toFixed(2)}x (target >= 1.0); ` +
    `lowest one-step B=1: ${stepB1.model} ${(stepB1.ort / stepB1.native).toFixed(2)}x (target >= 4)`);
  console.log(`Node ${process.version}; CPU time per call, median of ${ROUNDS} rounds of ${ROUND_MS} ms after ${WARMUP_MS} ms; ` +
    `load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; total ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

await main();

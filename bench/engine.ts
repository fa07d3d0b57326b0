// Engine throughput: stepBatch at B = 1, 8, 64 and runSequence (T = 100, B = 1) for rnn, lstm and
// gru at three sizes, single layer, no head, random weights; then the reference implementation
// at two sizes so the speed-up is visible. Run with `npm run bench:engine`.
//
// flops per stepBatch call = 2 * G * H * (I + H) * B (G = 1, 4, 3 gate blocks), the products only.

import { createNetwork, createReferenceNetwork, gateCount, stateSize } from '../src/engine/index.js';
import type { Architecture, NetworkSpec, NetworkWeights, RecurrentNetwork } from '../src/engine/index.js';
import { randomFloats, randomWeights, seededRandom } from '../src/engine/random-weights.js';

const SIZES: ReadonlyArray<readonly [number, number]> = [[32, 128], [128, 256], [256, 512]];
const ARCHITECTURES: readonly Architecture[] = ['rnn', 'lstm', 'gru'];
const BATCHES = [1, 8, 64];
const SEQUENCE_LENGTH = 100;
const WARMUP_MS = 150;
const ROUND_MS = 120;
const ROUNDS = 5;

function makeModel(architecture: Architecture, I: number, H: number): { spec: NetworkSpec; weights: NetworkWeights } {
  const spec: NetworkSpec = {
    architecture, inputSize: I, hiddenSize: H, numLayers: 1, nonlinearity: 'tanh',
    outputSize: H, hasHead: false, outputActivation: 'identity',
  };
  return { spec, weights: randomWeights(spec, 1) };
}

/**
 * Calls per second of `run`, from CPU time: warm-up, then the median of several timed rounds.
 * CPU time (not wall time) so that being descheduled on a busy machine does not count.
 */
function callsPerSecond(run: () => void): number {
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
  round(WARMUP_MS);
  const rates = Array.from({ length: ROUNDS }, () => round(ROUND_MS)).sort((a, b) => a - b);
  return rates[Math.floor(ROUNDS / 2)];
}

interface Row {
  readonly engine: string;
  readonly architecture: Architecture;
  readonly I: number;
  readonly H: number;
  readonly mode: string;
  readonly B: number;
  /** stepBatch calls per second, or sequence elements per second for runSequence. */
  readonly stepsPerSecond: number;
  readonly gflops: number;
}

function measure(engine: string, net: RecurrentNetwork, mode: 'stepBatch' | 'runSequence', B: number): Row {
  const { architecture, inputSize: I, hiddenSize: H } = net.spec;
  const flopsPerStep = 2 * gateCount(architecture) * H * (I + H) * B;
  let stepsPerSecond: number;
  if (mode === 'stepBatch') {
    const x = randomFloats(B * I, 1, seededRandom(5));
    const states = new Float32Array(B * stateSize(net.spec));
    const outputs = new Float32Array(B * net.spec.outputSize);
    stepsPerSecond = callsPerSecond(() => net.stepBatch(B, x, states, outputs));
  } else {
    const inputs = randomFloats(SEQUENCE_LENGTH * I, 1, seededRandom(6));
    stepsPerSecond = SEQUENCE_LENGTH * callsPerSecond(() => net.runSequence(inputs, SEQUENCE_LENGTH));
  }
  return { engine, architecture, I, H, mode, B, stepsPerSecond, gflops: (stepsPerSecond * flopsPerStep) / 1e9 };
}

/** The fast engine's row measuring the same thing as `row`, for the speed-up column. */
function fastTwin(rows: readonly Row[], row: Row): Row | undefined {
  return rows.find((r) => r.engine === 'fast' && r.architecture === row.architecture && r.I === row.I &&
    r.H === row.H && r.mode === row.mode && r.B === row.B);
}

function printTable(rows: readonly Row[]): void {
  const header = ['engine', 'arch', 'I', 'H', 'mode', 'B', 'steps/s', 'us/step', 'seq elems/s', 'GFLOP/s', 'fast is'];
  const lines = rows.map((r) => {
    const twin = r.engine === 'fast' ? undefined : fastTwin(rows, r);
    return [
      r.engine, r.architecture, String(r.I), String(r.H), r.mode, String(r.B),
      Math.round(r.stepsPerSecond).toLocaleString('en-US'),
      (1e6 / r.stepsPerSecond).toFixed(1),
      Math.round(r.stepsPerSecond * r.B).toLocaleString('en-US'),
      r.gflops.toFixed(2),
      twin === undefined ? '' : `${(twin.stepsPerSecond / r.stepsPerSecond).toFixed(0)}x faster`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i])).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

function main(): void {
  const started = performance.now();
  const rows: Row[] = [];
  for (const [I, H] of SIZES) {
    for (const architecture of ARCHITECTURES) {
      const { spec, weights } = makeModel(architecture, I, H);
      const net = createNetwork(spec, weights);
      for (const B of BATCHES) rows.push(measure('fast', net, 'stepBatch', B));
      rows.push(measure('fast', net, 'runSequence', 1));
    }
  }
  for (const [I, H] of SIZES.slice(0, 2)) {
    const { spec, weights } = makeModel('lstm', I, H);
    const reference = createReferenceNetwork(spec, weights);
    rows.push(measure('reference', reference, 'stepBatch', 1));
    rows.push(measure('reference', reference, 'stepBatch', 8));
    rows.push(measure('reference', reference, 'runSequence', 1));
  }
  printTable(rows);
  console.log(`\nNode ${process.version}, single thread, CPU time: median of ${ROUNDS} rounds of ${ROUND_MS} ms after ${WARMUP_MS} ms warm-up.`);
  console.log('steps/s = stepBatch calls/s (runSequence: elements/s); flops = 2*G*H*(I+H)*B per step');
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main();

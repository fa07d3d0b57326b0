// Golden cases of a model package (cases.json, docs/model-format.md "Golden cases") and the checks
// every test runs them through: a case passes when every expected value v satisfies
// |got - v| <= abs + rel * |v|. Used for the project's PyTorch fixtures (test/fixtures/pytorch,
// written by training/make_fixtures.py), for bundled models, whose cases.json may hold raw values
// when the package declares `normalization`, and for ../shared/fixtures when that folder exists.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { directionCount, type RecurrentNetwork } from '../../src/engine/types.js';
import { denormalizeValues, normalizeValues, type PackageNormalization } from '../../src/model/normalization.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The project's PyTorch fixtures: one package per folder, each with its cases.json. */
export const FIXTURES_DIR = join(repoRoot, 'test', 'fixtures', 'pytorch');

/**
 * PyTorch fixtures kept outside the repository (../shared/fixtures, or SHARED_FIXTURES_DIR), run
 * as an extra check when the folder exists; nothing else may depend on them.
 */
export function sharedFixturesDir(): string | undefined {
  const dir = resolve(process.env.SHARED_FIXTURES_DIR ?? join(repoRoot, '..', 'shared', 'fixtures'));
  return existsSync(dir) ? dir : undefined;
}

export interface CaseState {
  /** num_layers x hidden_size */
  readonly h: readonly (readonly number[])[];
  /** lstm only: num_layers x hidden_size */
  readonly c?: readonly (readonly number[])[];
}

export interface PackageCase {
  readonly name: string;
  /** T x input_size (vector models) */
  readonly inputs?: readonly (readonly number[])[];
  /** T token ids (token models) */
  readonly tokens?: readonly number[];
  /** The same tokens as text (token models whose vocabulary is characters) */
  readonly text?: string;
  readonly state?: CaseState;
  /** T x output width */
  readonly outputs: readonly (readonly number[])[];
  readonly final_state: CaseState;
}

export interface Tolerance {
  readonly abs: number;
  readonly rel: number;
}

export interface CaseFile {
  readonly cases: readonly PackageCase[];
  readonly tolerance: Tolerance;
}

/** Every subfolder of root, sorted: a new fixture folder is picked up with no code change. */
export function listPackageDirs(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => join(root, entry.name))
    .sort();
}

export function hasCaseFile(dir: string): boolean {
  return existsSync(join(dir, 'cases.json'));
}

/** Reads <dir>/cases.json (synchronously, so tests can be declared per case). */
export function readCaseFile(dir: string): CaseFile {
  const file = join(dir, 'cases.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as CaseFile;
  assert.ok(Array.isArray(parsed.cases) && parsed.cases.length > 0, `${file}: "cases" must be a non-empty array`);
  assert.ok(
    typeof parsed.tolerance?.abs === 'number' && typeof parsed.tolerance.rel === 'number',
    `${file}: "tolerance" must be {"abs": number, "rel": number}`,
  );
  for (const c of parsed.cases) {
    assert.ok((c.inputs === undefined) !== (c.tokens === undefined), `${file}: case ${c.name} needs exactly one of inputs, tokens`);
  }
  return parsed;
}

/** A case's state in the engine's flat layout: h of every layer, then (lstm) c of every layer. */
export function flattenState(network: RecurrentNetwork, state: CaseState, what: string): Float32Array {
  const { hiddenSize, architecture } = network.spec;
  // PyTorch's h_n: one row per layer and direction (layer 0 forward, layer 0 backward, ...).
  const numLayers = network.spec.numLayers * directionCount(network.spec);
  const parts = architecture === 'lstm' ? [state.h, state.c] : [state.h];
  const flat: number[] = [];
  for (const [index, part] of parts.entries()) {
    const key = index === 0 ? 'h' : 'c';
    assert.ok(part !== undefined, `${what}: state has no ${key}`);
    assert.equal(part.length, numLayers, `${what}: state.${key} has ${part.length} layers, expected ${numLayers}`);
    for (const row of part) {
      assert.equal(row.length, hiddenSize, `${what}: a state.${key} row has ${row.length} values, expected ${hiddenSize}`);
      flat.push(...row);
    }
  }
  assert.equal(flat.length, network.stateSize, `${what}: state size`);
  return Float32Array.from(flat);
}

/** Fails naming the first value outside |got - v| <= abs + rel * |v| (NaN never passes). */
export function assertClose(got: ArrayLike<number>, expected: ArrayLike<number>, tolerance: Tolerance, what: string): void {
  assert.equal(got.length, expected.length, `${what}: got ${got.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const v = expected[i];
    const bound = tolerance.abs + tolerance.rel * Math.abs(v);
    if (!(Math.abs(got[i] - v) <= bound)) {
      assert.fail(`${what}[${i}]: got ${got[i]}, expected ${v} (allowed difference ${bound})`);
    }
  }
}

/** The network's inputs for a case: embedded tokens, or the inputs normalized as the server would. */
export function caseInputs(network: RecurrentNetwork, normalization: PackageNormalization | undefined, c: PackageCase) {
  if (c.tokens !== undefined) return { steps: c.tokens.length, inputs: network.embed(c.tokens) };
  const rows = c.inputs ?? [];
  const inputs = Float32Array.from(rows.flat());
  assert.equal(inputs.length, rows.length * network.spec.inputSize, `${c.name}: every input row needs ${network.spec.inputSize} values`);
  if (normalization?.input !== undefined) normalizeValues(normalization.input, inputs);
  return { steps: rows.length, inputs };
}

/** The client-facing outputs: a copy, denormalized when the package declares output normalization. */
function clientOutputs(normalization: PackageNormalization | undefined, outputs: Float32Array): Float32Array {
  return normalization?.output !== undefined ? denormalizeValues(normalization.output, outputs, new Float32Array(outputs.length)) : outputs.slice();
}

function initialState(network: RecurrentNetwork, c: PackageCase): Float32Array | undefined {
  return c.state === undefined ? undefined : flattenState(network, c.state, `${c.name} initial state`);
}

/** runSequence over the whole case: every output and the final state within tolerance. */
export function checkCaseWithRunSequence(
  network: RecurrentNetwork,
  normalization: PackageNormalization | undefined,
  c: PackageCase,
  tolerance: Tolerance,
): void {
  const { steps, inputs } = caseInputs(network, normalization, c);
  const result = network.runSequence(inputs, steps, initialState(network, c));
  assertClose(clientOutputs(normalization, result.outputs), c.outputs.flat(), tolerance, `${c.name} outputs`);
  assertClose(result.state, flattenState(network, c.final_state, c.name), tolerance, `${c.name} final state`);
}

/** stepBatch with a batch of one, element by element, carrying the state as a session does. */
export function checkCaseWithSteps(
  network: RecurrentNetwork,
  normalization: PackageNormalization | undefined,
  c: PackageCase,
  tolerance: Tolerance,
): void {
  const { steps, inputs } = caseInputs(network, normalization, c);
  const { inputSize: I, outputSize: O } = network.spec;
  const state = initialState(network, c) ?? new Float32Array(network.stateSize);
  const output = new Float32Array(O);
  for (let t = 0; t < steps; t++) {
    network.stepBatch(1, inputs.subarray(t * I, (t + 1) * I), state, output);
    assertClose(clientOutputs(normalization, output), c.outputs[t], tolerance, `${c.name} step ${t} output`);
  }
  assertClose(state, flattenState(network, c.final_state, c.name), tolerance, `${c.name} final state`);
}

/**
 * All cases advanced together by stepBatch, gathering the still-running sequences into the
 * first rows of one batch each step (as the session batcher does): batching must not mix them.
 */
export function checkCasesBatched(
  network: RecurrentNetwork,
  normalization: PackageNormalization | undefined,
  cases: readonly PackageCase[],
  tolerance: Tolerance,
): void {
  assert.ok(cases.length <= network.maxBatch, `${cases.length} cases need maxBatch >= ${cases.length}, network has ${network.maxBatch}`);
  const { inputSize: I, outputSize: O } = network.spec;
  const S = network.stateSize;
  const sequences = cases.map((c) => ({
    c,
    ...caseInputs(network, normalization, c),
    state: initialState(network, c) ?? new Float32Array(S),
  }));
  const x = new Float32Array(cases.length * I);
  const states = new Float32Array(cases.length * S);
  const outputs = new Float32Array(cases.length * O);
  const longest = Math.max(...sequences.map((s) => s.steps));
  for (let t = 0; t < longest; t++) {
    const running = sequences.filter((s) => t < s.steps);
    running.forEach((s, row) => {
      x.set(s.inputs.subarray(t * I, (t + 1) * I), row * I);
      states.set(s.state, row * S);
    });
    network.stepBatch(running.length, x, states, outputs);
    running.forEach((s, row) => {
      s.state.set(states.subarray(row * S, (row + 1) * S));
      const output = clientOutputs(normalization, outputs.subarray(row * O, (row + 1) * O));
      assertClose(output, s.c.outputs[t], tolerance, `${s.c.name} step ${t} output (batched)`);
    });
  }
  for (const s of sequences) {
    assertClose(s.state, flattenState(network, s.c.final_state, s.c.name), tolerance, `${s.c.name} final state (batched)`);
  }
}

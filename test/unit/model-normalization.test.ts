// The `normalization` extension: the arithmetic, and a package whose cases.json holds raw
// values passing the shared case checks once the helper applies the package's normalization.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createReferenceNetwork } from '../../src/engine/index.js';
import { denormalizeValues, normalizeValues, resolveNormalization } from '../../src/model/normalization.js';
import { loadModelPackage } from '../../src/model/package-loader.js';
import {
  FIXTURES_DIR,
  checkCaseWithRunSequence,
  checkCaseWithSteps,
  checkCasesBatched,
  readCaseFile,
  type PackageCase,
} from '../helpers/fixtures.js';
import { readFixtureConfig, writePackage } from '../helpers/model-files.js';

const affine = { width: 2, mean: Float64Array.of(10, -1), std: Float64Array.of(2, 0.5) };

describe('normalizeValues and denormalizeValues', () => {
  it('normalize rows in place and invert each other', () => {
    const values = Float32Array.of(12, -1, 10, 0);
    assert.equal(normalizeValues(affine, values), values);
    assert.deepEqual(values, Float32Array.of(1, 0, 0, 2));
    denormalizeValues(affine, values);
    assert.deepEqual(values, Float32Array.of(12, -1, 10, 0));
  });

  it('write into a target and touch only the first `length` values', () => {
    const source = Float32Array.of(12, -1, 99, 99);
    const target = new Float32Array(4).fill(5);
    normalizeValues(affine, source, target, 2);
    assert.deepEqual(target, Float32Array.of(1, 0, 5, 5));
    assert.deepEqual(source, Float32Array.of(12, -1, 99, 99));
  });

  it('refuse a length that is not whole rows or exceeds a buffer', () => {
    assert.throws(() => normalizeValues(affine, new Float32Array(3)), /length 3 is not a whole number of rows of 2 features/);
    assert.throws(() => denormalizeValues(affine, new Float32Array(4), new Float32Array(2)), /need 4 values, source has 4 and target 2/);
  });

  it('resolve to undefined when the config declares none', () => {
    assert.equal(resolveNormalization({}), undefined);
    assert.deepEqual(resolveNormalization({ normalization: { output: { mean: [1], std: [2] } } }), {
      output: { width: 1, mean: Float64Array.of(1), std: Float64Array.of(2) },
    });
  });
});

describe('a package with normalization and raw-valued cases', () => {
  const root = mkdtempSync(join(tmpdir(), 'rnn-serve-normalization-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  // rnn_tanh (input 3, output 2) with normalization; the fixture's cases mapped to raw values,
  // so the network still sees the fixture's inputs and produces its outputs.
  const source = join(FIXTURES_DIR, 'rnn_tanh');
  const input = { mean: [1, -2, 0.5], std: [2, 0.25, 4] };
  const output = { mean: [100, -3], std: [10, 0.5] };
  const raw = (rows: readonly (readonly number[])[], a: typeof input) => rows.map((row) => row.map((v, j) => v * a.std[j] + a.mean[j]));
  const fixtureCases = readCaseFile(source);
  const rawCases: PackageCase[] = fixtureCases.cases.map((c) => ({ ...c, inputs: raw(c.inputs ?? [], input), outputs: raw(c.outputs, output) }));
  // Raw outputs are up to 10x larger, so the absolute tolerance scales with them.
  const tolerance = { abs: fixtureCases.tolerance.abs * 10, rel: fixtureCases.tolerance.rel };
  const dir = writePackage(root, 'normalized', source, { 'config.json': { ...readFixtureConfig(source), normalization: { input, output } } });

  it('matches with runSequence, single steps and a batch', async () => {
    const loaded = await loadModelPackage(dir);
    const normalization = resolveNormalization(loaded.config);
    assert.ok(normalization?.input !== undefined && normalization.output !== undefined);
    const network = createReferenceNetwork(loaded.spec, loaded.weights);
    for (const c of rawCases) {
      checkCaseWithRunSequence(network, normalization, c, tolerance);
      checkCaseWithSteps(network, normalization, c, tolerance);
    }
    checkCasesBatched(network, normalization, rawCases, tolerance);
  });

  it('fails the same cases when the normalization is ignored', async () => {
    const loaded = await loadModelPackage(dir);
    const network = createReferenceNetwork(loaded.spec, loaded.weights);
    assert.throws(() => checkCaseWithRunSequence(network, undefined, rawCases[0], tolerance), /outputs\[0\]: got/);
  });
});

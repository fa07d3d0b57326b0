// Every folder of the project's PyTorch fixtures (test/fixtures/pytorch), every bundled model
// (models/, each with the cases.json its export script computed with PyTorch) and, when that
// folder exists beside the repository, every folder of ../shared/fixtures: loaded by the real
// package loader and run by both engines: whole sequences, one element at a time, and all cases
// batched together. A new fixture folder is covered with no code change. Of models/ only the
// bundled packages are run: a user's exported package there is checked by `export.py check`.

import assert from 'node:assert/strict';
import { basename, join } from 'node:path';
import { before, describe, it, test } from 'node:test';
import { createNetwork, createReferenceNetwork } from '../../src/engine/index.js';
import type { NetworkSpec, NetworkWeights, RecurrentNetwork } from '../../src/engine/types.js';
import { resolveNormalization } from '../../src/model/normalization.js';
import { loadModelPackage, type LoadedPackage } from '../../src/model/package-loader.js';
import {
  FIXTURES_DIR,
  checkCaseWithRunSequence,
  checkCaseWithSteps,
  checkCasesBatched,
  listPackageDirs,
  readCaseFile,
  sharedFixturesDir,
} from '../helpers/fixtures.js';
import { bundledModelDirs, MODELS_DIR } from '../helpers/bundled-models.js';

const engines: ReadonlyArray<[string, (spec: NetworkSpec, weights: NetworkWeights) => RecurrentNetwork]> = [
  ['fast engine', (spec, weights) => createNetwork(spec, weights, { maxBatch: 8 })],
  ['reference engine', createReferenceNetwork],
];

const SHARED_FIXTURES_DIR = sharedFixturesDir();
const groups: { label: string; root: string; dirs: string[] }[] = [
  { label: 'pytorch', root: FIXTURES_DIR, dirs: listPackageDirs(FIXTURES_DIR) },
  { label: 'models', root: MODELS_DIR, dirs: bundledModelDirs() },
  ...(SHARED_FIXTURES_DIR === undefined ? [] : [{ label: 'shared', root: SHARED_FIXTURES_DIR, dirs: listPackageDirs(SHARED_FIXTURES_DIR) }]),
];

const fixtures = groups.flatMap(({ label, root, dirs }) => {
  test(`${root} holds at least one package with cases`, () => {
    assert.ok(dirs.length >= 1, `no package folders in ${root}`);
    assert.ok(dirs.every((dir) => readCaseFile(dir).cases.length >= 1), `a package in ${root} has no cases`);
  });
  return dirs.map((dir) => ({ dir, name: join(label, basename(dir)), caseFile: readCaseFile(dir) }));
});

for (const { dir, name, caseFile } of fixtures) {
  describe(`package ${name}`, () => {
    let loaded: LoadedPackage;
    before(async () => {
      loaded = await loadModelPackage(dir);
    });

    for (const [engineName, create] of engines) {
      for (const c of caseFile.cases) {
        it(`${engineName}: ${c.name} with runSequence`, () => {
          const network = create(loaded.spec, loaded.weights);
          checkCaseWithRunSequence(network, resolveNormalization(loaded.config), c, caseFile.tolerance);
        });
        it(`${engineName}: ${c.name} with stepBatch one element at a time`, () => {
          const network = create(loaded.spec, loaded.weights);
          checkCaseWithSteps(network, resolveNormalization(loaded.config), c, caseFile.tolerance);
        });
      }
      it(`${engineName}: all cases stepped together in one batch`, () => {
        const network = create(loaded.spec, loaded.weights);
        checkCasesBatched(network, resolveNormalization(loaded.config), caseFile.cases, caseFile.tolerance);
      });
    }
  });
}

// Every folder of the shared PyTorch fixtures, loaded by the real package loader and run by both
// engines: whole sequences, one element at a time, and all cases batched together. A new fixture
// folder is covered with no code change.

import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { before, describe, it, test } from 'node:test';
import { createNetwork, createReferenceNetwork } from '../src/engine/index.js';
import type { NetworkSpec, NetworkWeights, RecurrentNetwork } from '../src/engine/types.js';
import { resolveNormalization } from '../src/model/normalization.js';
import { loadModelPackage, type LoadedPackage } from '../src/model/package-loader.js';
import {
  FIXTURES_DIR,
  checkCaseWithRunSequence,
  checkCaseWithSteps,
  checkCasesBatched,
  listPackageDirs,
  readCaseFile,
} from './helpers/fixtures.js';

const engines: ReadonlyArray<[string, (spec: NetworkSpec, weights: NetworkWeights) => RecurrentNetwork]> = [
  ['fast engine', (spec, weights) => createNetwork(spec, weights, { maxBatch: 8 })],
  ['reference engine', createReferenceNetwork],
];

const fixtureDirs = listPackageDirs(FIXTURES_DIR);
const fixtures = fixtureDirs.map((dir) => ({ dir, name: basename(dir), caseFile: readCaseFile(dir) }));

test(`the fixtures directory ${FIXTURES_DIR} holds at least one case`, () => {
  const caseCount = fixtures.reduce((sum, fixture) => sum + fixture.caseFile.cases.length, 0);
  assert.ok(fixtures.length >= 1, `no fixture folders in ${FIXTURES_DIR}`);
  assert.ok(caseCount >= 1, `no cases in ${FIXTURES_DIR}`);
});

for (const { dir, name, caseFile } of fixtures) {
  describe(`fixture ${name}`, () => {
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

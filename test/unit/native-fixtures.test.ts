// Every golden case (the project's PyTorch fixtures in test/fixtures/pytorch, every bundled model's
// cases.json, and the shared fixtures when ../shared exists) on the native engine with each ISA this CPU runs forced in turn: whole sequences,
// one element at a time, and all cases batched together. (fixtures.test.ts runs them on the
// default engine and on the reference; CI runs the suite with RNN_ENGINE=wasm and =native.)

import { basename, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadNativeAddon } from '../../src/engine/native-addon.js';
import { createNativeNetwork } from '../../src/engine/native-network.js';
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
import { bundledModelDirs } from '../helpers/bundled-models.js';

const load = loadNativeAddon();
const addon = 'addon' in load ? load.addon : undefined;
const SHARED_FIXTURES_DIR = sharedFixturesDir();
const packages = [
  ...listPackageDirs(FIXTURES_DIR).map((dir) => ({ dir, name: join('pytorch', basename(dir)) })),
  ...bundledModelDirs().map((dir) => ({ dir, name: join('models', basename(dir)) })),
  ...(SHARED_FIXTURES_DIR === undefined ? [] : listPackageDirs(SHARED_FIXTURES_DIR).map((dir) => ({ dir, name: join('shared', basename(dir)) }))),
];

// Without the addon (no C++ toolchain) there is nothing native to check: native-engine.test.ts
// then tests the fallback.
for (const { dir, name } of addon === undefined ? [] : packages) {
  const caseFile = readCaseFile(dir);
  describe(`native engine, package ${name}`, () => {
    let loaded: LoadedPackage;
    before(async () => {
      loaded = await loadModelPackage(dir);
    });
    for (const isa of addon?.supportedIsas ?? []) {
      const create = () => createNativeNetwork(addon!, loaded.spec, loaded.weights, { isa, maxBatch: 8 });
      it(`${isa}: every case with runSequence and with single steps`, () => {
        const normalization = resolveNormalization(loaded.config);
        for (const c of caseFile.cases) {
          checkCaseWithRunSequence(create(), normalization, c, caseFile.tolerance);
          checkCaseWithSteps(create(), normalization, c, caseFile.tolerance);
        }
      });
      it(`${isa}: all cases stepped together in one batch`, () => {
        checkCasesBatched(create(), resolveNormalization(loaded.config), caseFile.cases, caseFile.tolerance);
      });
    }
  });
}

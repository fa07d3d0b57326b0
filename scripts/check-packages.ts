// Runs each package's cases.json through the server's own loader and engine (both the fast and
// the reference network, as test/unit/fixtures.test.ts does for the bundled models):
//   npm run check:packages -- models/my-tagger [more package folders]
// Exits 1 when a case does not match within its tolerance, naming the first value that differs.
import { resolve } from 'node:path';
import { createNetwork, createReferenceNetwork, withDirectionalLayers } from '../src/engine/index.js';
import { resolveNormalization } from '../src/model/normalization.js';
import { loadModelPackage } from '../src/model/package-loader.js';
import { checkCaseWithRunSequence, checkCaseWithSteps, readCaseFile } from '../test/helpers/fixtures.js';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: npm run check:packages -- <package folder> [...]');
  process.exit(2);
}
let failed = false;
for (const dir of dirs.map((d) => resolve(d))) {
  try {
    const loaded = await loadModelPackage(dir);
    const { cases, tolerance } = readCaseFile(dir);
    const normalization = resolveNormalization(loaded.config);
    // As the server builds them: bidirectional and reverse layers composed of forward networks.
    // Those run whole sequences only, so they are not checked step by step.
    const stepwise = (loaded.spec.direction ?? 'forward') === 'forward';
    for (const [engine, network] of [
      ['fast', withDirectionalLayers(createNetwork)(loaded.spec, loaded.weights, { maxBatch: 1 })],
      ['reference', createReferenceNetwork(loaded.spec, loaded.weights)],
    ] as const) {
      for (const c of cases) {
        checkCaseWithRunSequence(network, normalization, c, tolerance);
        if (stepwise) checkCaseWithSteps(network, normalization, c, tolerance);
      }
      console.log(`ok        ${dir}: ${cases.length} cases match (${engine} engine)`);
    }
  } catch (error) {
    failed = true;
    console.log(`MISMATCH  ${dir}: ${(error as Error).message}`);
  }
}
process.exit(failed ? 1 : 0);

// The registry over a models directory: every subfolder is a model, a broken one is listed as
// 'failed' with its message and does not stop the others. Symbolic links to folders are models
// too; links that lead nowhere are listed as failed.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createReferenceNetwork } from '../../src/engine/index.js';
import type { NetworkSpec } from '../../src/engine/types.js';
import { ModelPackageError } from '../../src/model/errors.js';
import { ModelRepository } from '../../src/model/repository/model-repository.js';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { writePackage } from '../helpers/model-files.js';

const TANH = join(FIXTURES_DIR, 'rnn_tanh');

describe('ModelRepository', () => {
  let modelsDir: string;
  before(() => {
    modelsDir = mkdtempSync(join(tmpdir(), 'rnn-serve-registry-'));
    writePackage(modelsDir, 'good', TANH);
    const weights = readFileSync(join(TANH, 'model.safetensors'));
    writePackage(modelsDir, 'broken', TANH, { 'model.safetensors': weights.subarray(0, weights.length - 20) });
    writeFileSync(join(modelsDir, 'README.md'), 'not a model');
    mkdirSync(join(modelsDir, '.cache'));
  });
  after(() => rmSync(modelsDir, { recursive: true, force: true }));

  it('lists every model folder sorted by name, the broken one failed with its message', async () => {
    const registry = await ModelRepository.load(modelsDir);
    assert.deepEqual(
      registry.list().map((entry) => [entry.name, entry.status]),
      [
        ['broken', 'failed'],
        ['good', 'ready'],
      ],
    );
    const broken = registry.get('broken');
    assert.equal(broken?.dir, join(modelsDir, 'broken'));
    assert.match(broken?.error ?? '', /^broken\/model\.safetensors: tensor 'fc\.weight' has data_offsets \[416, 480\], past the end/);
    assert.equal(broken?.network, undefined);
  });

  it('gives a ready model its config, network and identity', async () => {
    const good = (await ModelRepository.load(modelsDir)).get('good');
    assert.equal(good?.status, 'ready');
    assert.equal(good?.config?.output_size, 2);
    assert.equal(good?.network?.spec.inputSize, 3);
    assert.match(good?.identity ?? '', /^[0-9a-f]{64}$/);
    assert.equal(good?.normalization, undefined);
  });

  it('returns undefined for an unknown name', async () => {
    assert.equal((await ModelRepository.load(modelsDir)).get('nope'), undefined);
  });

  it('builds networks with the given factory and maxBatch', async () => {
    const calls: Array<{ spec: NetworkSpec; maxBatch?: number }> = [];
    const registry = await ModelRepository.load(modelsDir, {
      maxBatch: 5,
      createNetwork: (spec, weights, options) => {
        calls.push({ spec, maxBatch: options.maxBatch });
        return createReferenceNetwork(spec, weights);
      },
    });
    assert.equal(calls.length, 1);
    assert.equal(calls[0].maxBatch, 5);
    assert.equal(registry.get('good')?.network?.spec, calls[0].spec);
  });

  it('marks a model failed when its network cannot be built', async () => {
    const registry = await ModelRepository.load(modelsDir, {
      createNetwork: () => {
        throw new Error('out of scratch memory');
      },
    });
    assert.equal(registry.get('good')?.status, 'failed');
    assert.equal(registry.get('good')?.error, 'good: out of scratch memory');
  });

  it('changes identity when a package file changes', async () => {
    const upgradeDir = join(modelsDir, '.upgrade'); // hidden, so the other tests never list it
    writePackage(upgradeDir, 'model', TANH);
    const original = (await ModelRepository.load(upgradeDir)).get('model')?.identity;
    const configPath = join(upgradeDir, 'model', 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(configPath, JSON.stringify({ ...config, version: '2' }));
    const upgraded = (await ModelRepository.load(upgradeDir)).get('model')?.identity;
    assert.match(original ?? '', /^[0-9a-f]{64}$/);
    assert.notEqual(upgraded, original);
  });

  it('rejects a models directory that does not exist', async () => {
    const missing = join(modelsDir, 'no-such-dir');
    await assert.rejects(ModelRepository.load(missing), (error: unknown) => {
      assert.ok(error instanceof ModelPackageError);
      assert.equal(error.message, `models directory '${missing}' does not exist`);
      return true;
    });
  });
});

describe('ModelRepository and symbolic links', () => {
  let root: string;
  let modelsDir: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'rnn-serve-registry-links-'));
    modelsDir = join(root, 'models');
    mkdirSync(modelsDir);
    writePackage(root, 'elsewhere', TANH); // a package kept outside the models directory
    writePackage(modelsDir, 'plain', TANH);
    symlinkSync(join(root, 'elsewhere'), join(modelsDir, 'absolute-link'));
    symlinkSync('plain', join(modelsDir, 'relative-link'));
    symlinkSync(join(root, 'gone'), join(modelsDir, 'dangling'));
    symlinkSync('loop-b', join(modelsDir, 'loop-a'));
    symlinkSync('loop-a', join(modelsDir, 'loop-b'));
    writeFileSync(join(root, 'notes.txt'), 'not a model');
    symlinkSync(join(root, 'notes.txt'), join(modelsDir, 'file-link'));
    symlinkSync(join(root, 'elsewhere'), join(modelsDir, '.hidden-link'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('serves a linked folder under the link name, whether the link is absolute or relative', async () => {
    const registry = await ModelRepository.load(modelsDir);
    for (const name of ['absolute-link', 'relative-link', 'plain']) {
      const entry = registry.get(name);
      assert.equal(entry?.status, 'ready', `${name}: ${entry?.error}`);
      assert.equal(entry?.dir, join(modelsDir, name));
      assert.equal(entry?.network?.spec.hiddenSize, 8);
    }
    assert.equal(registry.get('absolute-link')?.identity, registry.get('plain')?.identity, 'the same files, the same identity');
  });

  it('lists a dangling link and a loop as failed, saying where they point', async () => {
    const registry = await ModelRepository.load(modelsDir);
    assert.deepEqual(registry.get('dangling'), {
      name: 'dangling',
      version: '1',
      dir: join(modelsDir, 'dangling'),
      status: 'failed',
      error: `dangling: symbolic link to '${join(root, 'gone')}', which does not exist`,
    });
    for (const [name, target] of [['loop-a', 'loop-b'], ['loop-b', 'loop-a']]) {
      assert.equal(registry.get(name)?.status, 'failed');
      assert.equal(registry.get(name)?.error, `${name}: symbolic link to '${target}', which loops back on itself (too many levels of symbolic links)`);
    }
    // The repository index says the same: unavailable, and why.
    const row = (await registry.index()).find((entry) => entry.name === 'dangling');
    assert.deepEqual(row, { name: 'dangling', state: 'UNAVAILABLE', reason: `dangling: symbolic link to '${join(root, 'gone')}', which does not exist` });
  });

  it('skips links to files and hidden links, as it skips files and hidden folders', async () => {
    const names = (await ModelRepository.load(modelsDir)).list().map((entry) => entry.name);
    assert.deepEqual(names, ['absolute-link', 'dangling', 'loop-a', 'loop-b', 'plain', 'relative-link']);
  });
});

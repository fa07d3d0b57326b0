// The model repository in-process (src/model/repository/): the layout and version policy on disk,
// which version serves, retiring, the poller's debounce, and the in-flight count unload waits for.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ModelRepository, RepositoryPoller, parseModelFile, selectVersions } from '../../src/model/repository/index.js';
import type { RepositoryChange } from '../../src/model/repository/index.js';
import { createBatchingScheduler } from '../../src/sessions/batching-scheduler.js';
import { createDirectScheduler } from '../../src/sessions/step-scheduler.js';
import { ServedModels } from '../../src/service/served-model.js';
import { ManualClock } from '../helpers/app.js';
import { writeRandomPackage } from '../helpers/model-files.js';
import { GRU, VersionedRepository } from '../helpers/model-repository.js';

describe('version policy (model.json)', () => {
  it('selects the latest N, all, or specific versions', () => {
    assert.deepEqual(selectVersions({ kind: 'latest', count: 1 }, [1, 3, 2]), [3]);
    assert.deepEqual(selectVersions({ kind: 'latest', count: 2 }, [1, 3, 2]), [3, 2]);
    assert.deepEqual(selectVersions({ kind: 'all' }, [1, 3, 2]), [3, 2, 1]);
    assert.deepEqual(selectVersions({ kind: 'specific', versions: [1, 5] }, [1, 3, 2]), [1]);
  });

  it('parses Triton\'s JSON forms and names what is wrong', () => {
    assert.deepEqual(parseModelFile('{}', 'm/model.json'), { kind: 'latest', count: 1 });
    assert.deepEqual(parseModelFile('{"version_policy": {"latest": {"num_versions": 3}}}', 'm/model.json'), { kind: 'latest', count: 3 });
    assert.deepEqual(parseModelFile('{"version_policy": {"all": {}}}', 'm/model.json'), { kind: 'all' });
    assert.deepEqual(parseModelFile('{"version_policy": {"specific": {"versions": [3, 1, 3]}}}', 'm/model.json'), { kind: 'specific', versions: [1, 3] });
    const refusals: [string, RegExp][] = [
      ['{', /m\/model\.json: not valid JSON/],
      ['[]', /must be a JSON object/],
      ['{"policy": 1}', /unknown field 'policy'/],
      ['{"version_policy": {"newest": {}}}', /version_policy must be one of/],
      ['{"version_policy": {"latest": {"num_versions": 0}}}', /num_versions, an integer of at least 1/],
      ['{"version_policy": {"latest": {"num_versions": 1, "x": 2}}}', /and nothing else/],
      ['{"version_policy": {"specific": {"versions": []}}}', /a non-empty array of version numbers/],
      ['{"version_policy": {"specific": {"versions": ["1"]}}}', /a non-empty array of version numbers/],
      ['{"version_policy": {"all": {"x": 1}}}', /version_policy\.all takes no fields/],
    ];
    for (const [text, message] of refusals) assert.throws(() => parseModelFile(text, 'm/model.json'), message, text);
  });
});

describe('the repository on disk', () => {
  const repo = new VersionedRepository('gru', [1, 2, 10]);
  after(repo.cleanup);
  mkdirSync(join(repo.modelDir, 'notes')); // not a version folder: ignored
  mkdirSync(join(repo.modelDir, '007')); // leading zeros: not a version folder
  writeRandomPackage(repo.dir, 'flat', GRU, 4); // a flat package: version 1

  it('serves the highest version (numerically) by default, and a flat package as version 1', async () => {
    const repository = await ModelRepository.load(repo.dir);
    assert.equal(repository.get('gru')?.version, '10');
    assert.deepEqual(repository.versions('gru').map((entry) => entry.version), ['10']);
    assert.equal(repository.get('flat')?.version, '1');
    assert.equal(repository.get('flat')?.status, 'ready');
  });

  it('a bad model.json fails the model (listed with its error), never the others', async () => {
    writeFileSync(join(repo.dir, 'flat', 'model.json'), '{"version_policy": 3}');
    const repository = await ModelRepository.load(repo.dir);
    assert.equal(repository.get('flat')?.status, 'failed');
    assert.match(repository.get('flat')?.error ?? '', /flat\/model\.json: version_policy must be one of/);
    assert.equal(repository.get('gru')?.status, 'ready');
  });

  it('refuses names that are not one folder of MODELS_DIR', async () => {
    const repository = await ModelRepository.load(repo.dir);
    for (const name of ['..', '.', '', '../gru', 'a/b', '.hidden', 'a\\b']) {
      await assert.rejects(repository.loadModel(name), { code: 'MODEL_NOT_FOUND' }, name);
    }
  });
});

describe('retiring and sessions', () => {
  it('a version the policy drops serves only its sessions, until none used it for retireAfterMs', async () => {
    const repo = new VersionedRepository('gru', [1]);
    after(repo.cleanup);
    const clock = new ManualClock();
    const repository = await ModelRepository.load(repo.dir, { clock: clock.now, retireAfterMs: 60_000 });
    const changes: RepositoryChange[] = [];
    repository.onChange((change) => changes.push(change));
    const served = new ServedModels(repository);
    repo.addVersion(2);
    await repository.loadModel('gru');
    assert.equal(served.get('gru').version, '2');
    assert.equal(served.forSession({ id: 's', model: 'gru', modelVersion: '1' }).version, '1');
    assert.throws(() => served.get({ name: 'gru', version: '1' }), { code: 'MODEL_NOT_FOUND' });
    clock.advance(59_000);
    repository.sweepRetired();
    assert.equal(served.forSession({ id: 's', model: 'gru', modelVersion: '1' }).version, '1', 'used: kept');
    clock.advance(60_000);
    repository.sweepRetired();
    assert.throws(() => served.forSession({ id: 's', model: 'gru', modelVersion: '1' }), {
      code: 'MODEL_VERSION_UNLOADED',
      message: /session 's' runs on version 1 of model 'gru', which this server has not loaded; this server serves version '2'; reset/,
    });
    assert.deepEqual(
      changes.map((change) => [change.version, change.change]),
      [['2', 'loaded'], ['1', 'retired'], ['1', 'unloaded']],
    );
  });

  it('a session recorded before versions existed runs on the newest version', async () => {
    const repo = new VersionedRepository('gru', [1, 2]);
    after(repo.cleanup);
    const served = new ServedModels(await ModelRepository.load(repo.dir));
    assert.equal(served.forSession({ id: 's', model: 'gru' }).version, '2');
  });
});

describe('the poller', () => {
  it('loads a changed model folder only once it stayed the same for the debounce', async () => {
    const repo = new VersionedRepository('gru', [1]);
    after(repo.cleanup);
    const clock = new ManualClock();
    const repository = await ModelRepository.load(repo.dir);
    const poller = new RepositoryPoller(repository, { intervalMs: 1000, debounceMs: 500, clock: clock.now });
    repo.addVersion(2);
    await poller.scan();
    assert.equal(repository.get('gru')?.version, '1', 'first sighting: waits');
    clock.advance(499);
    await poller.scan();
    assert.equal(repository.get('gru')?.version, '1', 'not yet quiet for the debounce');
    clock.advance(1);
    await poller.scan();
    assert.equal(repository.get('gru')?.version, '2');
    // A model folder added later is loaded the same way; one removed retires.
    writeRandomPackage(repo.dir, 'other', GRU, 7);
    await poller.scan();
    clock.advance(500);
    await poller.scan();
    assert.equal(repository.get('other')?.status, 'ready');
  });
});

describe('unload waits for the engine jobs in flight', () => {
  it('the counting scheduler keeps every path of the one it wraps (resident sessions need submitSlot)', async () => {
    const repo = new VersionedRepository('gru', [1]);
    after(repo.cleanup);
    const repository = await ModelRepository.load(repo.dir);
    const inner = createBatchingScheduler({ observer: { onEngineCall: () => {} } });
    const tracked = repository.inFlight.track(inner);
    for (const method of ['run', 'submit', 'submitSlot', 'close'] as const) {
      assert.equal(typeof tracked[method], typeof inner[method], method);
      assert.equal(typeof tracked[method], 'function', method);
    }
    await tracked.close();
  });

  it('resolves once the job running on the version is done', async () => {
    const repo = new VersionedRepository('gru', [1]);
    after(repo.cleanup);
    const repository = await ModelRepository.load(repo.dir);
    const served = new ServedModels(repository);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const direct = createDirectScheduler();
    const scheduler = repository.inFlight.track({
      run: async (model, state, inputs, steps) => {
        await gate;
        return direct.run(model, state, inputs, steps);
      },
      close: async () => {},
    });
    const model = served.get('gru');
    const job = scheduler.run(model, new Float32Array(model.stateSize), new Float32Array(3), 1);
    assert.equal(repository.inFlight.count('gru', '1'), 1);
    let unloaded = false;
    const unloading = repository.unloadModel('gru').then(() => (unloaded = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(unloaded, false);
    assert.throws(() => served.get('gru'), { code: 'MODEL_NOT_FOUND' });
    release();
    assert.equal((await job).outputs.length, 2);
    await unloading;
    assert.equal(repository.inFlight.count('gru', '1'), 0);
  });
});

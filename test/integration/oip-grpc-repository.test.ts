// Issue 14 over gRPC: RepositoryIndex, RepositoryModelLoad and RepositoryModelUnload (Triton's
// model repository extension), called by a client generated from Triton's official proto (or the
// project's own, which has the same messages), with the same semantics as /v2/repository: the
// index's entries, a load that brings version 2, an unload, MODEL_CONTROL and admin keys.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import { grpcApp, officialClient } from '../helpers/oip-grpc.js';
import { VersionedRepository } from '../helpers/model-repository.js';

const bearer = (key: string): Metadata => {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
};

describe('gRPC model repository RPCs', () => {
  const repo = new VersionedRepository('gru', [1]);
  after(repo.cleanup);

  it('index, load and unload with the extension\'s messages', async (t) => {
    const { address } = await grpcApp(t, { MODELS_DIR: repo.dir, MODEL_CONTROL: 'explicit' });
    const client = officialClient(address, t);
    const index = async () => ((await client.call('RepositoryIndex', {})).models as { name: string; version: string; state: string; reason: string }[]);
    assert.deepEqual(await index(), [{ name: 'gru', version: '1', state: 'READY', reason: '' }]);

    repo.addVersion(2);
    assert.deepEqual(await client.call('RepositoryModelLoad', { model_name: 'gru' }), {});
    assert.deepEqual((await index()).map((row) => [row.version, row.state]), [['1', 'READY'], ['2', 'READY']]);
    assert.deepEqual((await client.call('ModelMetadata', { name: 'gru' })).versions, ['2']);
    assert.deepEqual((await client.call('RepositoryIndex', { ready: true })).models, (await index()).filter((row) => row.state === 'READY'));

    assert.deepEqual(await client.call('RepositoryModelUnload', { model_name: 'gru', parameters: { unload_dependents: { bool_param: false } } }), {});
    assert.deepEqual(await index(), [{ name: 'gru', version: '', state: 'UNAVAILABLE', reason: 'unloaded' }]);
    await assert.rejects(client.call('ModelMetadata', { name: 'gru' }), { code: status.NOT_FOUND });
  });

  it('bad requests: unknown model, path tricks, other repositories, override parameters; refused modes', async (t) => {
    const { address } = await grpcApp(t, { MODELS_DIR: repo.dir, MODEL_CONTROL: 'explicit' });
    const client = officialClient(address, t);
    await assert.rejects(client.call('RepositoryModelLoad', { model_name: 'nope' }), { code: status.NOT_FOUND, details: /no folder 'nope'/ });
    await assert.rejects(client.call('RepositoryModelLoad', { model_name: '../gru' }), { code: status.NOT_FOUND, details: /one folder name/ });
    await assert.rejects(client.call('RepositoryModelLoad', { model_name: '' }), { code: status.NOT_FOUND });
    await assert.rejects(client.call('RepositoryIndex', { repository_name: 'other' }), { code: status.NOT_FOUND, details: /no repository 'other'/ });
    await assert.rejects(
      client.call('RepositoryModelLoad', { model_name: 'gru', parameters: { config: { string_param: '{}' } } }),
      { code: status.INVALID_ARGUMENT, details: /parameters\.config is not supported/ },
    );
    const { address: fixed } = await grpcApp(t, { MODELS_DIR: repo.dir });
    await assert.rejects(officialClient(fixed, t).call('RepositoryModelUnload', { model_name: 'gru' }), {
      code: status.FAILED_PRECONDITION,
      details: /needs MODEL_CONTROL=explicit/,
    });
  });

  it('need an admin key once keys are configured', async (t) => {
    const { address } = await grpcApp(t, { MODELS_DIR: repo.dir, MODEL_CONTROL: 'explicit', API_KEYS: 'user-key', ADMIN_API_KEYS: 'admin-key' });
    const client = officialClient(address, t);
    await assert.rejects(client.call('RepositoryIndex', {}), { code: status.UNAUTHENTICATED });
    await assert.rejects(client.call('RepositoryIndex', {}, bearer('user-key')), { code: status.PERMISSION_DENIED, details: /admin role/ });
    assert.ok(Array.isArray((await client.call('RepositoryIndex', {}, bearer('admin-key'))).models));
    // The admin key is an API key too.
    assert.equal((await client.call('ModelReady', { name: 'gru' }, bearer('admin-key'))).ready, true);
  });
});

// Issue 14 across replicas: two app instances on one Redis key prefix and one MODELS_DIR, in
// explicit model control. One has loaded version 2, the other not yet: a session created on
// version 2 and stepped on the replica without it answers 409 MODEL_VERSION_UNLOADED (never
// version 1's weights); a session on version 1 steps on both, with version 1's outputs.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { assertError, buildTestApp } from '../helpers/app.js';
import { VersionedRepository, X, createSession, predictOutputs, step, stepOutputs } from '../helpers/model-repository.js';
import { RedisPrefixes, requireRedis } from '../helpers/redis.js';

await requireRedis();
const prefixes = new RedisPrefixes();
after(() => prefixes.deleteAll());

describe('two replicas sharing Redis, one of them ahead by a version', async () => {
  const repo = new VersionedRepository('gru', [1]);
  after(repo.cleanup);
  const env = { SESSION_STORE: 'redis', REDIS_KEY_PREFIX: prefixes.create('versions'), MODELS_DIR: repo.dir, MODEL_CONTROL: 'explicit' };
  const [ahead, behind] = await Promise.all([buildTestApp(env), buildTestApp(env)]);
  after(() => Promise.all([ahead!.close(), behind!.close()]));

  const v1Whole = await predictOutputs(behind!, '/v1/models/gru/predict', X);
  const onV1 = await createSession(behind!);
  repo.addVersion(2);
  const loaded = await ahead!.inject({ method: 'POST', url: '/v2/repository/models/gru/load' });
  assert.equal(loaded.statusCode, 200, loaded.body);

  it('a session on version 1 steps on both replicas with version 1\'s outputs', async () => {
    const outputs = [
      ...(await stepOutputs(ahead!, onV1.session_id, X.slice(0, 1))),
      ...(await stepOutputs(behind!, onV1.session_id, X.slice(1, 2))),
      ...(await stepOutputs(ahead!, onV1.session_id, X.slice(2))),
    ];
    assert.deepEqual(outputs, v1Whole);
  });

  it('a session on version 2 is refused with 409 by the replica without version 2, unchanged', async () => {
    const onV2 = await createSession(ahead!);
    assert.equal(onV2.model_version, '2');
    const first = await stepOutputs(ahead!, onV2.session_id, X.slice(0, 2));
    assertError(
      await step(behind!, onV2.session_id, X.slice(2)),
      409,
      'MODEL_VERSION_UNLOADED',
      `session '${onV2.session_id}' runs on version 2 of model 'gru', which this server has not loaded; this server serves version '1'`,
    );
    // Nothing was applied: the replica with version 2 continues from t = 2.
    const rest = await stepOutputs(ahead!, onV2.session_id, X.slice(2));
    assert.deepEqual([...first, ...rest], await predictOutputs(ahead!, '/v1/models/gru/predict', X));

    // Once the other replica loads version 2 too, the session steps there as well.
    assert.equal((await behind!.inject({ method: 'POST', url: '/v2/repository/models/gru/load' })).statusCode, 200);
    const reset = await behind!.inject({ method: 'POST', url: `/v1/sessions/${onV2.session_id}/reset`, payload: {} });
    assert.equal(reset.json().model_version, '2');
    assert.deepEqual(
      [...(await stepOutputs(behind!, onV2.session_id, X.slice(0, 2))), ...(await stepOutputs(ahead!, onV2.session_id, X.slice(2)))],
      await predictOutputs(behind!, '/v1/models/gru/predict', X),
    );
  });
});

// Issue 14: model versions at run time over HTTP. A new version arrives (by a load request, or
// copied in under MODEL_CONTROL=poll) while sessions on version 1 keep stepping with version 1's
// weights, bit for bit, and new sessions get version 2; a broken package never replaces a working
// one; unload waits for the requests in flight; MODEL_MISMATCH is left for a package changed
// under the same version.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { assertError, buildTestApp } from '../helpers/app.js';
import { GatedScheduler } from '../helpers/gated-scheduler.js';
import { metricValue } from '../helpers/metric-samples.js';
import {
  VersionedRepository,
  X,
  createSession,
  json,
  predictOutputs,
  repositoryIndex,
  step,
  stepOutputs,
  waitFor,
} from '../helpers/model-repository.js';

const load = (app: Awaited<ReturnType<typeof buildTestApp>>, model = 'gru') =>
  app.inject({ method: 'POST', url: `/v2/repository/models/${model}/load` });
const unload = (app: Awaited<ReturnType<typeof buildTestApp>>, model = 'gru') =>
  app.inject({ method: 'POST', url: `/v2/repository/models/${model}/unload` });

describe('a new version loaded on request while sessions run on version 1', async () => {
  const repo = new VersionedRepository('gru', [1]);
  after(repo.cleanup);
  const app = await buildTestApp({ MODELS_DIR: repo.dir, MODEL_CONTROL: 'explicit' });
  after(() => app.close());

  // What version 1 computes for the whole sequence, measured before anything changes.
  const v1Whole = await predictOutputs(app, '/v1/models/gru/predict', X);
  const session = await createSession(app);
  const firstHalf = await stepOutputs(app, session.session_id, X.slice(0, 2));

  it('a flat-or-versioned model starts on its only version, and the session records it', () => {
    assert.equal(session.model_version, '1');
    assert.deepEqual(firstHalf, v1Whole.slice(0, 2));
  });

  it('load reads the folder again: version 2 serves new requests, the session on 1 keeps 1\'s outputs bit for bit', async () => {
    repo.addVersion(2);
    assert.deepEqual(json(await load(app)), { name: 'gru', versions: ['2'] });
    const v2Whole = await predictOutputs(app, '/v1/models/gru/predict', X);
    assert.notDeepEqual(v2Whole, v1Whole, 'version 2 has other weights');
    // One element at a time: the resident path (a slot of version 1's network), then the same.
    assert.deepEqual(
      [...(await stepOutputs(app, session.session_id, X.slice(2, 3))), ...(await stepOutputs(app, session.session_id, X.slice(3)))],
      v1Whole.slice(2),
    );

    const fresh = await createSession(app);
    assert.equal(fresh.model_version, '2');
    assert.deepEqual(await stepOutputs(app, fresh.session_id, X), v2Whole);
    assert.deepEqual(await predictOutputs(app, '/v1/models/gru/versions/2/predict', X), v2Whole);
  });

  it('the catalog and the index show the serving version and the retired one', async () => {
    const info = json<{ version: string; versions: { version: string; status: string }[] }>(await app.inject('/v1/models/gru'));
    assert.equal(info.version, '2');
    assert.deepEqual(info.versions, [{ version: '2', status: 'ready' }]);
    const rows = (await repositoryIndex(app)).filter((row) => row.name === 'gru');
    assert.deepEqual(
      rows.map((row) => [row.version, row.state]),
      [['1', 'READY'], ['2', 'READY']],
    );
    assert.match(rows[0]!.reason, /retired: serves only the sessions created on it/);
    // The retired version is for its sessions only: a request naming it is refused.
    assertError(
      await app.inject({ method: 'POST', url: '/v1/models/gru/versions/1/predict', payload: { inputs: X } }),
      404,
      'MODEL_NOT_FOUND',
      "model 'gru' has no version '1'; it serves version '2'",
    );
  });

  it('reset moves the session to the current version', async () => {
    const reset = json<{ model_version: string; t: number }>(
      await app.inject({ method: 'POST', url: `/v1/sessions/${session.session_id}/reset`, payload: {} }),
    );
    assert.equal(reset.model_version, '2');
    assert.deepEqual(await stepOutputs(app, session.session_id, X), await predictOutputs(app, '/v1/models/gru/predict', X));
  });

  it('counts versions loaded and load durations in the metrics', async () => {
    const metrics = (await app.inject('/metrics')).body;
    assert.equal(metricValue(metrics, 'rnn_model_version_loaded', '{model="gru",version="2"}'), 1);
    assert.equal(metricValue(metrics, 'rnn_models_loaded'), 1);
    assert.ok(metricValue(metrics, 'rnn_model_load_duration_seconds_count', '{model="gru"}') >= 2);
  });
});

describe('a version policy serving two versions, by route', async () => {
  const repo = new VersionedRepository('gru', [1, 2]);
  repo.writePolicy({ latest: { num_versions: 2 } });
  after(repo.cleanup);
  const app = await buildTestApp({ MODELS_DIR: repo.dir });
  after(() => app.close());

  it('/v1 and /v2 paths take a version; without one, the newest serves', async () => {
    const v1 = await predictOutputs(app, '/v1/models/gru/versions/1/predict', X);
    const v2 = await predictOutputs(app, '/v1/models/gru/versions/2/predict', X);
    assert.notDeepEqual(v1, v2);
    assert.deepEqual(await predictOutputs(app, '/v1/models/gru/predict', X), v2);
    const infer = json<{ model_version: string; outputs: { data: number[] }[] }>(
      await app.inject({
        method: 'POST',
        url: '/v2/models/gru/versions/1/infer',
        payload: { inputs: [{ name: 'input', datatype: 'FP32', shape: [4, 3], data: X.flat() }] },
      }),
    );
    assert.equal(infer.model_version, '1');
    assert.deepEqual(infer.outputs[0]!.data, v1.flat());
    assert.deepEqual(json<{ versions: string[] }>(await app.inject('/v2/models/gru')).versions, ['1', '2']);
    assert.equal(json<{ version: string }>(await app.inject('/v1/models/gru/versions/1')).version, '1');
  });

  it('a session created on a named version keeps it', async () => {
    const session = await createSession(app, { model: 'gru', version: '1' });
    assert.equal(session.model_version, '1');
    assert.deepEqual(await stepOutputs(app, session.session_id, X), await predictOutputs(app, '/v1/models/gru/versions/1/predict', X));
  });

  it('load and unload are refused unless MODEL_CONTROL=explicit', async () => {
    for (const response of [await load(app), await unload(app)]) {
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().code, 'MODEL_CONTROL_DISABLED');
      assert.match(response.json().error, /needs MODEL_CONTROL=explicit; this server runs with MODEL_CONTROL=none/);
    }
  });
});

describe('MODEL_CONTROL=poll: versions copied in', async () => {
  const repo = new VersionedRepository('gru', [1]);
  after(repo.cleanup);
  const app = await buildTestApp({ MODELS_DIR: repo.dir, MODEL_CONTROL: 'poll', MODEL_POLL_INTERVAL_MS: '20', MODEL_POLL_DEBOUNCE_MS: '40' });
  after(() => app.close());
  const v1Whole = await predictOutputs(app, '/v1/models/gru/predict', X);
  const session = await createSession(app);
  await stepOutputs(app, session.session_id, X.slice(0, 1));
  const indexHas = (version: string, state: string) => async () =>
    (await repositoryIndex(app)).some((row) => row.name === 'gru' && row.version === version && row.state === state);

  it('a version copied in is loaded; the session on 1 keeps stepping on 1, new sessions get 2', async () => {
    repo.addVersion(2);
    await waitFor('version 2 to be loaded by the poller', indexHas('2', 'READY'));
    assert.deepEqual(await stepOutputs(app, session.session_id, X.slice(1)), v1Whole.slice(1));
    const fresh = await createSession(app);
    assert.equal(fresh.model_version, '2');
  });

  it('a broken package dropped in is listed failed and the working version keeps serving', async () => {
    const v2Whole = await predictOutputs(app, '/v1/models/gru/predict', X);
    repo.addBrokenVersion(3);
    await waitFor('version 3 to be listed as failed', indexHas('3', 'UNAVAILABLE'));
    const row = (await repositoryIndex(app)).find((entry) => entry.name === 'gru' && entry.version === '3');
    assert.match(row!.reason, /gru\/3\/config\.json: not valid JSON/);
    assert.deepEqual(await predictOutputs(app, '/v1/models/gru/predict', X), v2Whole);
    const info = json<{ status: string; version: string; versions: { version: string; status: string; error?: string }[] }>(
      await app.inject('/v1/models/gru'),
    );
    assert.equal(info.status, 'ready');
    assert.equal(info.version, '2');
    assert.equal(info.versions.find((version) => version.version === '3')?.status, 'failed');
    assert.ok(metricValue((await app.inject('/metrics')).body, 'rnn_model_load_failures_total', '{model="gru"}') >= 1);
  });
});

describe('unload with requests in flight', async () => {
  const repo = new VersionedRepository('gru', [1]);
  after(repo.cleanup);
  const gate = new GatedScheduler();
  const app = await buildTestApp({ MODELS_DIR: repo.dir, MODEL_CONTROL: 'explicit' }, { createScheduler: gate.create });
  after(() => app.close());

  it('the requests in flight finish; new ones get a clear error; unload answers after them', async () => {
    const session = await createSession(app);
    const inFlight = app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: X } });
    await waitFor('the predict to reach the engine', async () => gate.runs.length > 0);
    let unloaded = false;
    const unloading = unload(app).then((response) => {
      unloaded = true;
      return response;
    });
    await waitFor('the unload to begin', async () => (await repositoryIndex(app)).some((row) => row.name === 'gru' && row.state === 'UNLOADING'));
    assertError(
      await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: X } }),
      404,
      'MODEL_NOT_FOUND',
      "model 'gru' is not loaded",
    );
    assertError(await step(app, session.session_id, X), 409, 'MODEL_VERSION_UNLOADED', 'runs on version 1 of model');
    assert.equal(unloaded, false, 'unload waits for the request in flight');

    gate.release();
    const finished = await inFlight;
    assert.equal(finished.statusCode, 200, finished.body);
    assert.equal(finished.json().outputs.length, X.length);
    assert.deepEqual(json(await unloading), { name: 'gru' });
    assert.deepEqual(
      (await repositoryIndex(app)).filter((row) => row.name === 'gru').map((row) => [row.state, row.reason]),
      [['UNAVAILABLE', 'unloaded']],
    );
    assertError(await app.inject('/v1/models/gru'), 404, 'MODEL_NOT_FOUND');

    // Loaded again (the same package): the session's version is back, and so is the session.
    assert.deepEqual(json(await load(app)), { name: 'gru', versions: ['1'] });
    assert.equal((await step(app, session.session_id, X.slice(0, 1))).statusCode, 200);
  });
});

describe('MODEL_MISMATCH is for a package changed under the same version', async () => {
  const repo = new VersionedRepository('gru', [1]);
  after(repo.cleanup);
  const app = await buildTestApp({ MODELS_DIR: repo.dir, MODEL_CONTROL: 'explicit' });
  after(() => app.close());

  it('a reload of version 1 with other weights refuses its sessions with MODEL_MISMATCH; reset recovers them', async () => {
    const session = await createSession(app);
    await stepOutputs(app, session.session_id, X.slice(0, 1));
    repo.replaceVersion(1, 99);
    json(await load(app));
    assertError(await step(app, session.session_id, X), 409, 'MODEL_MISMATCH', 'another package');
    json(await app.inject({ method: 'POST', url: `/v1/sessions/${session.session_id}/reset`, payload: {} }));
    assert.deepEqual(await stepOutputs(app, session.session_id, X), await predictOutputs(app, '/v1/models/gru/predict', X));
  });

  it('a reload of the same version that fails keeps the loaded package serving, and says so', async () => {
    const before = await predictOutputs(app, '/v1/models/gru/predict', X);
    repo.breakVersion(1);
    const refused = await load(app);
    assert.equal(refused.statusCode, 400, refused.body);
    assert.equal(refused.json().code, 'MODEL_LOAD_FAILED');
    assert.match(refused.json().error, /version 1: gru\/1\/config\.json: not valid JSON.*; version 1 serves as before/);
    assert.deepEqual(await predictOutputs(app, '/v1/models/gru/predict', X), before);
    const row = (await repositoryIndex(app)).find((entry) => entry.name === 'gru' && entry.version === '1');
    assert.equal(row?.state, 'READY');
    assert.match(row!.reason, /the package on disk failed to load, the loaded one keeps serving/);
  });

  it('a new version that fails to load never replaces the working one', async () => {
    const before = await predictOutputs(app, '/v1/models/gru/predict', X);
    repo.addBrokenVersion(2);
    const refused = await load(app);
    assert.equal(refused.statusCode, 400, refused.body);
    assert.match(refused.json().error, /version 2: gru\/2\/config\.json: not valid JSON/);
    assert.deepEqual(await predictOutputs(app, '/v1/models/gru/predict', X), before);
    assert.equal(json<{ version: string }>(await app.inject('/v1/models/gru')).version, '1');
  });
});

describe('the repository routes need an admin key when keys are set', async () => {
  const repo = new VersionedRepository('gru', [1]);
  after(repo.cleanup);
  const app = await buildTestApp({ MODELS_DIR: repo.dir, MODEL_CONTROL: 'explicit', API_KEYS: 'user-key', ADMIN_API_KEYS: 'admin-key' });
  after(() => app.close());
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  it('no key: 401; a user key: 403 FORBIDDEN; a wrong key: 401; the admin key: 200 on every route', async () => {
    for (const url of ['/v2/repository/index', '/v2/repository/models/gru/load', '/v2/repository/models/gru/unload']) {
      const none = await app.inject({ method: 'POST', url });
      assert.equal(none.statusCode, 401, none.body);
      assert.deepEqual(Object.keys(none.json()).sort(), ['code', 'error']);
      assert.equal(none.json().code, 'UNAUTHORIZED');
      assert.equal(none.headers['www-authenticate'], 'Bearer');
      const user = await app.inject({ method: 'POST', url, headers: bearer('user-key') });
      assert.equal(user.statusCode, 403, user.body);
      assert.equal(user.json().code, 'FORBIDDEN');
      const wrong = await app.inject({ method: 'POST', url, headers: bearer('nope') });
      assert.equal(wrong.statusCode, 401, wrong.body);
    }
    assert.equal((await repositoryIndex(app, bearer('admin-key'))).length, 1);
    assert.equal((await app.inject({ method: 'POST', url: '/v2/repository/models/gru/load', headers: bearer('admin-key') })).statusCode, 200);
  });

  it('an admin key is also an API key for /v1', async () => {
    assert.equal((await app.inject({ url: '/v1/models/gru', headers: bearer('admin-key') })).statusCode, 200);
    assert.equal((await app.inject({ url: '/v1/models/gru', headers: bearer('user-key') })).statusCode, 200);
  });
});

describe('bad input to the new routes: a 4xx with a code', async () => {
  const repo = new VersionedRepository('gru', [1]);
  after(repo.cleanup);
  const app = await buildTestApp({ MODELS_DIR: repo.dir, MODEL_CONTROL: 'explicit', BODY_LIMIT_BYTES: '1024' });
  after(() => app.close());
  const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, ...(payload !== undefined ? { payload: payload as object } : {}), headers });
  const refused = (response: Awaited<ReturnType<typeof post>>, status: number, code: string, part: string | RegExp) => {
    assert.equal(response.statusCode, status, response.body);
    const body = response.json() as { code: string; error: string };
    assert.equal(body.code, code, body.error);
    if (typeof part === 'string') assert.ok(body.error.includes(part), body.error);
    else assert.match(body.error, part);
  };

  it('unknown models, path tricks and hidden names: 404 MODEL_NOT_FOUND, nothing read', async () => {
    refused(await post('/v2/repository/models/nope/load'), 404, 'MODEL_NOT_FOUND', "the models directory has no folder 'nope'");
    refused(await post('/v2/repository/models/nope/unload'), 404, 'MODEL_NOT_FOUND', "model 'nope' is not loaded");
    refused(await post('/v2/repository/models/..%2F..%2Fetc/load'), 404, 'MODEL_NOT_FOUND', "without '/'");
    refused(await post('/v2/repository/models/..%2Fgru/unload'), 404, 'MODEL_NOT_FOUND', "without '/'");
    // An encoded '..' is resolved by the URL itself: /v2/repository/load, which is no route.
    const dotDot = await post('/v2/repository/models/%2E%2E/load');
    assert.equal(dotDot.statusCode, 404, dotDot.body);
    assert.match(dotDot.json().error, /no route POST \/v2\/repository\/load/);
    refused(await post('/v2/repository/models/.hidden/load'), 404, 'MODEL_NOT_FOUND', "do not start with '.'");
    refused(await post('/v2/repository/models/a%00b/load'), 404, 'MODEL_NOT_FOUND', 'NUL');
  });

  it('bad bodies: unknown fields, wrong types, invalid JSON, unsupported load parameters, oversized', async () => {
    refused(await post('/v2/repository/index', { ready: 'yes' }), 400, 'INVALID_INPUT', 'ready');
    refused(await post('/v2/repository/index', { bogus: 1 }), 400, 'INVALID_INPUT', 'bogus');
    refused(await post('/v2/repository/index', '{"ready": tru', { 'content-type': 'application/json' }), 400, 'INVALID_INPUT', 'not valid JSON');
    refused(await post('/v2/repository/models/gru/load', { parameters: { config: '{}' } }), 400, 'INVALID_INPUT', 'config');
    refused(await post('/v2/repository/models/gru/unload', { parameters: { unload_dependents: 'yes' } }), 400, 'INVALID_INPUT', 'unload_dependents');
    refused(await post('/v2/repository/index', { ready: true, pad: 'x'.repeat(2000) }), 400, 'PAYLOAD_TOO_LARGE', 'BODY_LIMIT_BYTES');
    // Triton's clients send an empty body: that is a request without parameters.
    assert.equal((await post('/v2/repository/index', '', { 'content-type': 'application/json' })).statusCode, 200);
    assert.equal((await post('/v2/repository/models/gru/load', '', { 'content-type': 'application/json' })).statusCode, 200);
  });

  it('bad versions on /v1 and /v2 paths and in a session: 400 INVALID_INPUT; unknown ones 404', async () => {
    assertError(await app.inject('/v1/models/gru/versions/abc'), 400, 'INVALID_INPUT', 'version');
    // '..' (encoded or not) is resolved by the URL itself, to /v1/models/gru/: no such route.
    assertError(await app.inject('/v1/models/gru/versions/..'), 404, 'NOT_FOUND');
    assertError(await app.inject('/v1/models/gru/versions/%2E%2E'), 404, 'NOT_FOUND');
    assertError(await app.inject('/v1/models/gru/versions/01'), 400, 'INVALID_INPUT');
    assertError(await app.inject('/v1/models/gru/versions/7'), 404, 'MODEL_NOT_FOUND', "model 'gru' has no version '7'; it serves version '1'");
    assertError(await app.inject('/v1/models/nope/versions/1'), 404, 'MODEL_NOT_FOUND', "model 'nope' is not loaded");
    assertError(await post('/v1/models/gru/versions/-1/predict', { inputs: X }), 400, 'INVALID_INPUT');
    assertError(await post('/v1/models/gru/versions/9/predict', { inputs: X }), 404, 'MODEL_NOT_FOUND', "no version '9'");
    assertError(await post('/v1/sessions', { model: 'gru', version: 'x' }), 400, 'INVALID_INPUT', 'version');
    assertError(await post('/v1/sessions', { model: 'gru', version: '4' }), 404, 'MODEL_NOT_FOUND', "no version '4'");
    // /v2 paths take any string as a version: one that is not a number is no version of the model.
    const v2 = await app.inject('/v2/models/gru/versions/abc/ready');
    assert.equal(v2.statusCode, 404, v2.body);
    assert.match(v2.json().error, /model 'gru' has no version 'abc' \(versions are numbers/);
  });
});

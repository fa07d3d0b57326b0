// Sessions over HTTP: the lifecycle, chunked stepping equal to whole sequences, ordering under
// concurrency, expected_t, refused requests that change nothing, TTL expiry on a manual clock.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { assertError, buildTestApp, ManualClock } from '../helpers/app.js';
import { FIXTURES_DIR, assertClose, readCaseFile, type PackageCase } from '../helpers/fixtures.js';

const TTL_SECONDS = 60;
const clock = new ManualClock();
const app = await buildTestApp({ SESSION_TTL_SECONDS: String(TTL_SECONDS) }, { clock: clock.now });
after(() => app.close());

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function createSession(payload: Json): Promise<Json> {
  const response = await app.inject({ method: 'POST', url: '/v1/sessions', payload });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

const step = (id: string, payload: Json) => app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload });
const getSession = (id: string) => app.inject({ url: `/v1/sessions/${id}` });

async function snapshot(id: string): Promise<Json> {
  const response = await getSession(id);
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

async function metric(line: string): Promise<number | undefined> {
  const text = (await app.inject({ url: '/metrics' })).body;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

const row = (i: number) => [Math.sin(i), Math.cos(i * 0.7), (i % 5) / 5 - 0.4];

describe('session lifecycle', () => {
  it('creates a session at t = 0 with a Location, and shows it with a zero state', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'lstm' } });
    assert.equal(response.statusCode, 201);
    const session = response.json();
    assert.equal(response.headers.location, `/v1/sessions/${session.session_id}`);
    assert.equal(session.model, 'lstm');
    assert.equal(session.t, 0);
    assert.equal(session.ttl_seconds, TTL_SECONDS);
    assert.equal(session.created_at, new Date(clock.now()).toISOString());
    assert.equal(session.expires_at, new Date(clock.now() + TTL_SECONDS * 1000).toISOString());
    const shown = await snapshot(session.session_id);
    assert.deepEqual(shown.state, { h: [Array(8).fill(0)], c: [Array(8).fill(0)] });
    assert.equal(shown.t, 0);
  });

  it('steps, resets (to zeros or a given state) and deletes', async () => {
    const { session_id: id } = await createSession({ model: 'gru' });
    const stepped = await step(id, { inputs: [row(1), row(2)] });
    assert.equal(stepped.statusCode, 200, stepped.body);
    assert.equal(stepped.json().t, 2);
    assert.equal(stepped.json().session_id, id);
    assert.equal(stepped.json().outputs.length, 2);
    assert.equal('state' in stepped.json(), false, 'no state unless return_state');
    const withState = (await step(id, { inputs: [row(3)], return_state: true })).json();
    assert.equal(withState.t, 3);
    assert.deepEqual(withState.state, (await snapshot(id)).state);

    const given = { h: [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]] };
    const reset = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/reset`, payload: { state: given } });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal(reset.json().t, 0);
    assertClose((await snapshot(id)).state.h.flat(), given.h.flat(), { abs: 1e-7, rel: 1e-7 }, 'reset state');
    const bare = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/reset` });
    assert.equal(bare.statusCode, 200, bare.body);
    assert.deepEqual((await snapshot(id)).state, { h: [Array(8).fill(0)] });

    const deleted = await app.inject({ method: 'DELETE', url: `/v1/sessions/${id}` });
    assert.equal(deleted.statusCode, 204);
    assert.equal(deleted.body, '');
    assertError(await getSession(id), 404, 'SESSION_NOT_FOUND', `session '${id}' does not exist or has expired`);
    assertError(await step(id, { inputs: [row(1)] }), 404, 'SESSION_NOT_FOUND');
    assertError(await app.inject({ method: 'POST', url: `/v1/sessions/${id}/reset`, payload: {} }), 404, 'SESSION_NOT_FOUND');
    assertError(await app.inject({ method: 'DELETE', url: `/v1/sessions/${id}` }), 404, 'SESSION_NOT_FOUND');
  });

  it('refuses bad creations: unknown model, missing model, bad state, ttl_seconds above the server', async () => {
    assertError(await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'nope' } }), 404, 'MODEL_NOT_FOUND');
    assertError(await app.inject({ method: 'POST', url: '/v1/sessions', payload: {} }), 400, 'INVALID_INPUT', 'model is required');
    assertError(
      await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru', state: { h: [[1, 2]] } } }),
      400,
      'INVALID_INPUT',
      "state.h[0] has 2 values, model 'gru' expects 8",
    );
    assertError(
      await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru', ttl_seconds: TTL_SECONDS + 1 } }),
      400,
      'INVALID_INPUT',
      `ttl_seconds ${TTL_SECONDS + 1} is not an integer in 1..${TTL_SECONDS}`,
    );
    assertError(await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru', ttl_seconds: 0 } }), 400, 'INVALID_INPUT', 'ttl_seconds');
  });

  it('starts from a given state', async () => {
    const { cases, tolerance } = readCaseFile(`${FIXTURES_DIR}/gru`);
    const c = cases.find((x) => x.state !== undefined)!;
    const { session_id: id } = await createSession({ model: 'gru', state: c.state });
    const answer = (await step(id, { inputs: c.inputs, return_state: true })).json();
    assertClose(answer.outputs.flat(), c.outputs.flat(), tolerance, 'outputs');
    assertClose(answer.state.h.flat(), c.final_state.h.flat(), tolerance, 'state');
  });
});

describe('stepping in uneven chunks equals the whole sequence', () => {
  /** Feeds the case in chunks of 1, 2, 3, ... elements; returns every output and the final state. */
  async function runInChunks(model: string, c: PackageCase, chunkOf: (from: number, to: number) => Json) {
    const { session_id: id } = await createSession({ model, ...(c.state ? { state: c.state } : {}) });
    const steps = c.outputs.length;
    const outputs: number[][] = [];
    for (let from = 0, size = 1; from < steps; from += size, size++) {
      const to = Math.min(steps, from + size);
      const answer = await step(id, chunkOf(from, to));
      assert.equal(answer.statusCode, 200, answer.body);
      assert.equal(answer.json().t, to);
      outputs.push(...answer.json().outputs);
    }
    return { outputs, session: await snapshot(id) };
  }

  for (const model of ['lstm_2layer', 'gru', 'rnn_relu_2layer']) {
    it(model, async () => {
      const { cases, tolerance } = readCaseFile(`${FIXTURES_DIR}/${model}`);
      for (const c of cases) {
        const { outputs, session } = await runInChunks(model, c, (from, to) => ({ inputs: c.inputs!.slice(from, to) }));
        assertClose(outputs.flat(), c.outputs.flat(), tolerance, `${c.name} outputs`);
        assertClose(session.state.h.flat(), c.final_state.h.flat(), tolerance, `${c.name} h`);
        if (c.final_state.c) assertClose(session.state.c.flat(), c.final_state.c.flat(), tolerance, `${c.name} c`);
        assert.equal(session.t, c.outputs.length);
      }
    });
  }

  it('token_gru, fed as text', async () => {
    const { cases, tolerance } = readCaseFile(`${FIXTURES_DIR}/token_gru`);
    for (const c of cases) {
      const text = Array.from((c as PackageCase & { text: string }).text);
      const { outputs, session } = await runInChunks('token_gru', c, (from, to) => ({ text: text.slice(from, to).join('') }));
      assertClose(outputs.flat(), c.outputs.flat(), tolerance, `${c.name} outputs`);
      assertClose(session.state.h.flat(), c.final_state.h.flat(), tolerance, `${c.name} h`);
    }
  });
});

describe('ordering and conflicts', () => {
  it('expected_t other than t is 409 and changes nothing; the right one goes through', async () => {
    const { session_id: id } = await createSession({ model: 'gru' });
    await step(id, { inputs: [row(1), row(2)] });
    const before = await snapshot(id);
    assertError(await step(id, { inputs: [row(3)], expected_t: 1 }), 409, 'SEQUENCE_CONFLICT', 'expected_t is 1 but');
    assert.deepEqual(await snapshot(id), before);
    const ok = await step(id, { inputs: [row(3)], expected_t: 2 });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().t, 3);
  });

  it('a refused step leaves the session exactly as it was', async () => {
    const { session_id: id } = await createSession({ model: 'gru' });
    await step(id, { inputs: [row(1)] });
    const before = await snapshot(id);
    assertError(await step(id, { inputs: [row(2), row(3), [1, 2]] }), 400, 'INVALID_INPUT', "inputs[2] has 2 values, model 'gru' expects 3");
    assertError(await step(id, { inputs: [] }), 400, 'INVALID_INPUT', 'inputs is empty');
    assertError(await step(id, { text: 'abc' }), 400, 'INVALID_INPUT', 'has no vocabulary');
    assertError(await step(id, { inputs: [[1, 'x', 3]] }), 400, 'INVALID_INPUT', 'inputs[0][1] is not a finite number');
    assertError(await app.inject({ method: 'POST', url: `/v1/sessions/${id}/reset`, payload: { state: { h: [[1]] } } }), 400, 'INVALID_INPUT');
    assert.deepEqual(await snapshot(id), before);
  });

  it('a session of a replaced package is 409 MODEL_MISMATCH until it is reset', async () => {
    const now = clock.now();
    const id = 'session-of-an-older-package';
    await app.sessionStore.create({
      id,
      model: 'gru',
      modelIdentity: 'sha256:an-older-package',
      t: 4,
      version: 0,
      state: new Float32Array(8).fill(0.25),
      createdAt: now,
      ttlSeconds: TTL_SECONDS,
      expiresAt: now + TTL_SECONDS * 1000,
    });
    assertError(await step(id, { inputs: [row(1)] }), 409, 'MODEL_MISMATCH', "another package of model 'gru'");
    assert.equal((await snapshot(id)).t, 4, 'nothing changed');
    const reset = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/reset` });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal((await step(id, { inputs: [row(1)] })).statusCode, 200);
  });
});

describe('idle expiry (manual clock)', () => {
  it('expires a session ttl_seconds after its last use, and counts it', async () => {
    const model = 'rnn_nobias';
    const { session_id: id } = await createSession({ model, ttl_seconds: 5 });
    clock.advance(4000);
    assert.equal((await step(id, { inputs: [[0, 0, 0, 1]] })).statusCode, 200, 'a step restarts the TTL');
    clock.advance(4000);
    assert.equal((await getSession(id)).statusCode, 200, 'reads do not restart it, but it is not due yet');
    clock.advance(1000);
    assertError(await getSession(id), 404, 'SESSION_NOT_FOUND');
    assertError(await step(id, { inputs: [[0, 0, 0, 1]] }), 404, 'SESSION_NOT_FOUND');
    assert.equal(await metric(`rnn_sessions_expired_total{model="${model}"}`), 1);
  });
});

describe('session metrics', () => {
  it('counts sessions created and active, and steps by transport', async () => {
    const model = 'seed_numpy';
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createSession({ model })).session_id);
    await step(ids[0], { inputs: [row(1), row(2)] });
    await app.inject({ method: 'DELETE', url: `/v1/sessions/${ids[1]}` });
    assert.equal(await metric(`rnn_sessions_created_total{model="${model}"}`), 3);
    assert.equal(await metric(`rnn_sessions_active{model="${model}"}`), 2);
    assert.equal(await metric(`rnn_steps_total{model="${model}",transport="session"}`), 2);
  });
});

describe('the service behind the routes', () => {
  it('takes float32 rows as binary transports deliver them, with the same checks', async () => {
    const { session_id: id } = await createSession({ model: 'gru' });
    const outcome = await app.inference.step(id, { vectors: Float32Array.from([...row(1), ...row(2)]) }, 'stream');
    assert.equal(outcome.session.t, 2);
    assert.equal(outcome.outputs.length, 2 * 2);
    await assert.rejects(app.inference.step(id, { vectors: new Float32Array(4) }), /input has 4 float32 values, not a whole number of rows of 3/);
    await assert.rejects(app.inference.step(id, { vectors: Float32Array.from([0, NaN, 0]) }), /input\[0\]\[1\] is not a finite number/);
    assert.equal((await snapshot(id)).t, 2);
  });
});

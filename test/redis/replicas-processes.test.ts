// Replicas as they run in production: separate server processes (src/server.ts) sharing one Redis
// key prefix, and nothing else. A session stepped alternately on two of them computes what one
// process computes; 40 concurrent steps split across them are each applied exactly once, in one
// order; and a stream whose replica is killed (SIGKILL) carries on from another replica, resuming
// from the last acknowledged t. The servers start together and are shared by the tests. All of it
// on the single Redis and on a local Redis Cluster (test/helpers/store-targets.ts).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FIXTURES_DIR } from '../helpers/app.js';
import { assertClose, readCaseFile } from '../helpers/fixtures.js';
import { expectJson } from '../helpers/http-json.js';
import { ServerProcess } from '../helpers/server-process.js';
import { storeTargets, type StoreTarget } from '../helpers/store-targets.js';
import { StreamClient } from '../helpers/stream-client.js';

const TTL_SECONDS = 120;
const targets = await storeTargets();

/** Two replicas, and a third one that the crash test kills. */
async function startReplicas(target: StoreTarget): Promise<[ServerProcess, ServerProcess, ServerProcess]> {
  const env = { SESSION_STORE: 'redis', ...target.env, REDIS_KEY_PREFIX: target.newPrefix('processes'), SESSION_TTL_SECONDS: String(TTL_SECONDS) };
  const started = await Promise.allSettled([ServerProcess.start(env), ServerProcess.start(env), ServerProcess.start(env)]);
  if (started.some((outcome) => outcome.status === 'rejected')) {
    await Promise.all(started.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.stop() : undefined)));
    throw (started.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult).reason;
  }
  return started.map((outcome) => (outcome as PromiseFulfilledResult<ServerProcess>).value) as [ServerProcess, ServerProcess, ServerProcess];
}

const lstm = readCaseFile(join(FIXTURES_DIR, 'lstm'));

/** One target's tests, with servers of their own started when the suite runs (three at a time). */
function suite(target: StoreTarget): void {
  let a: ServerProcess;
  let b: ServerProcess;
  let victim: ServerProcess;

  interface Step {
    readonly t: number;
    readonly outputs: number[][];
  }

  interface StateJson {
    readonly h: number[][];
    readonly c?: number[][];
  }

  /** What one process computes for `inputs` from `state` (stateless predict, on replica a). */
  async function singleProcessRun(inputs: readonly (readonly number[])[], state?: StateJson) {
    const body = await expectJson(200, a.baseUrl, 'POST', '/v1/models/lstm/predict', { inputs, ...(state ? { state } : {}) });
    return body as { outputs: number[][]; state: StateJson };
  }

  async function createSession(on: ServerProcess, state?: StateJson): Promise<string> {
    const body = await expectJson(201, on.baseUrl, 'POST', '/v1/sessions', { model: 'lstm', ...(state ? { state } : {}) });
    return body.session_id as string;
  }

  async function sessionState(on: ServerProcess, id: string): Promise<{ t: number; state: StateJson }> {
    return (await expectJson(200, on.baseUrl, 'GET', `/v1/sessions/${id}`)) as { t: number; state: StateJson };
  }

  /** Input vectors of the lstm fixture's size (3), all different. */
  function vectors(count: number): number[][] {
    return Array.from({ length: count }, (_, i) => [Math.sin(i + 1), Math.cos(0.7 * i), ((i % 5) - 2) / 4]);
  }

  describe(`two server processes sharing ${target.name}`, () => {
    before(async () => {
      [a, b, victim] = await startReplicas(target);
    });
    after(() => Promise.all([a, b, victim].map((server) => server?.stop())));

    it('a session stepped alternately on both equals the single-process result and PyTorch', async () => {
      const golden = lstm.cases.find((c) => c.state !== undefined)!;
      const inputs = golden.inputs!;
      const state = golden.state as StateJson;
      const id = await createSession(a, state);
      const outputs: number[][] = [];
      for (const [i, x] of inputs.entries()) {
        const replica = i % 2 === 0 ? b : a;
        const step = (await expectJson(200, replica.baseUrl, 'POST', `/v1/sessions/${id}/steps`, { inputs: [x], expected_t: i })) as unknown as Step;
        assert.equal(step.t, i + 1);
        outputs.push(...step.outputs);
      }
      const final = await sessionState(b, id);
      assert.equal(final.t, inputs.length);

      const single = await singleProcessRun(inputs, state);
      assert.deepEqual(outputs, single.outputs, 'the same outputs, bit for bit');
      assert.deepEqual(final.state, single.state, 'the same final state, bit for bit');
      assertClose(outputs.flat(), golden.outputs.flat(), lstm.tolerance, 'outputs vs PyTorch');
      assertClose([...final.state.h.flat(), ...final.state.c!.flat()], [...golden.final_state.h.flat(), ...golden.final_state.c!.flat()], lstm.tolerance, 'state vs PyTorch');
    });

    it('40 concurrent steps split across both give t = 1..40 once each, and the state of replaying them in t order', async () => {
      const inputs = vectors(40);
      const id = await createSession(b);
      const steps = await Promise.all(
        inputs.map(async (x, i) => {
          const replica = i % 2 === 0 ? a : b;
          const step = (await expectJson(200, replica.baseUrl, 'POST', `/v1/sessions/${id}/steps`, { inputs: [x] })) as unknown as Step;
          return { x, ...step };
        }),
      );
      const ts = steps.map((step) => step.t).sort((p, q) => p - q);
      assert.deepEqual(ts, Array.from({ length: 40 }, (_, i) => i + 1), 'each t exactly once');

      const inOrder = [...steps].sort((p, q) => p.t - q.t);
      const replay = await singleProcessRun(inOrder.map((step) => step.x));
      inOrder.forEach((step, i) => assert.deepEqual(step.outputs, [replay.outputs[i]], `the outputs of t = ${step.t}`));
      const final = await sessionState(a, id);
      assert.equal(final.t, 40);
      assert.deepEqual(final.state, replay.state);
    });

    it('a replica killed mid-stream: the client reattaches on another and resumes from its last acknowledged t', async () => {
      const inputs = vectors(12);
      const id = await createSession(a);
      const outputs: number[][] = [];
      const acknowledge = async (stream: StreamClient, from: number, to: number): Promise<void> => {
        for (let t = from; t < to; t++) stream.sendJson({ x: inputs[t], expected_t: t, id: t });
        for (let t = from; t < to; t++) {
          const reply = await stream.json();
          assert.deepEqual([reply.type, reply.t, reply.id], ['output', t + 1, t], JSON.stringify(reply));
          outputs.push(reply.y as number[]);
        }
      };

      const first = await StreamClient.open(`${victim.wsUrl}/v1/sessions/${id}/stream`);
      assert.equal((await first.json()).t, 0);
      // A session owned by a stream on the same replica: nobody will be left to delete it.
      const owned = await StreamClient.open(`${victim.wsUrl}/v1/models/lstm/stream`);
      const ownedId = (await owned.json()).session_id as string;
      await acknowledge(first, 0, 5);

      // Frozen, then killed: the frames in flight reach a process that never reads them again.
      victim.signal('SIGSTOP');
      for (let t = 5; t < 8; t++) first.sendJson({ x: inputs[t], expected_t: t, id: t });
      victim.signal('SIGKILL');
      assert.equal((await victim.exited).signal, 'SIGKILL');
      assert.equal((await first.closed).code, 1006, 'the connection dropped without a close frame');
      await owned.closed;

      const second = await StreamClient.open(`${b.wsUrl}/v1/sessions/${id}/stream`);
      const ready = await second.json();
      assert.deepEqual([ready.type, ready.session_id, ready.t], ['ready', id, 5], 'the session is where the client last heard');
      await acknowledge(second, 5, 12);
      // Resending an acknowledged element is refused (expected_t), so a resend is never applied twice.
      second.sendJson({ x: inputs[11], expected_t: 11, id: 'again' });
      const refused = await second.json();
      assert.deepEqual([refused.type, refused.code, refused.id], ['error', 'SEQUENCE_CONFLICT', 'again']);
      await second.close();

      const uninterrupted = await singleProcessRun(inputs);
      assert.deepEqual(outputs, uninterrupted.outputs, 'the outputs of an uninterrupted run');
      const final = await sessionState(a, id);
      assert.equal(final.t, 12);
      assert.deepEqual(final.state, uninterrupted.state);

      // The killed replica's connection-owned session outlives it until its idle TTL runs out.
      const orphan = await expectJson(200, a.baseUrl, 'GET', `/v1/sessions/${ownedId}`);
      assert.equal(orphan.t, 0);
      assert.ok(Date.parse(orphan.expires_at as string) <= Date.now() + TTL_SECONDS * 1000, 'it expires by its TTL');
    });
  });
}

for (const target of targets) suite(target);

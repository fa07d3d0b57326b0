// Concurrent requests to one session: applied one at a time, in arrival order, none lost.
// The engine calls here take a macrotask (as a batching scheduler's do), so requests really
// overlap inside the service instead of running one after another.
import assert from 'node:assert/strict';
import { after, it } from 'node:test';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { createDirectScheduler, type StepScheduler } from '../../src/service/step-scheduler.js';
import { buildTestApp } from '../helpers/app.js';
import { assertClose } from '../helpers/fixtures.js';

let running = 0;
let mostRunning = 0;

const app = await buildTestApp(
  {},
  {
    createScheduler: (observer): StepScheduler => {
      const direct = createDirectScheduler(observer);
      return {
        async run(model, state, inputs, steps) {
          running++;
          mostRunning = Math.max(mostRunning, running);
          try {
            await nextMacrotask();
            return await direct.run(model, state, inputs, steps);
          } finally {
            running--;
          }
        },
        close: () => direct.close(),
      };
    },
  },
);
after(() => app.close());

const row = (i: number) => [Math.sin(i), Math.cos(i * 0.7), (i % 5) / 5 - 0.4];

it('40 concurrent single steps on one session get t = 1..40 once each, and the state of replaying them in t order', async () => {
  const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'lstm' } });
  const id = created.json().session_id as string;
  const inputs = Array.from({ length: 40 }, (_, i) => row(i));
  const responses = await Promise.all(
    inputs.map((x) => app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: [x] } })),
  );
  const answers = responses.map((response) => {
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as { t: number; outputs: number[][] };
  });
  assert.equal(mostRunning, 1, "one session's steps never ran at the same time");
  assert.equal(app.inference.sessionsInFlight, 0, 'the per-session queue forgets a session once it is idle');
  assert.deepEqual(
    answers.map((a) => a.t).sort((a, b) => a - b),
    Array.from({ length: 40 }, (_, i) => i + 1),
  );

  const inOrder: number[][] = [];
  answers.forEach((a, i) => (inOrder[a.t - 1] = inputs[i]!));
  const replay = await app.inject({ method: 'POST', url: '/v1/models/lstm/predict', payload: { inputs: inOrder } });
  const expected = replay.json() as { outputs: number[][]; state: { h: number[][]; c: number[][] } };
  const tolerance = { abs: 1e-5, rel: 1e-5 };
  for (const a of answers) assertClose(a.outputs[0]!, expected.outputs[a.t - 1]!, tolerance, `output at t = ${a.t}`);
  const final = (await app.inject({ url: `/v1/sessions/${id}` })).json() as { t: number; state: { h: number[][]; c: number[][] } };
  assert.equal(final.t, 40);
  assertClose(final.state.h.flat(), expected.state.h.flat(), tolerance, 'final h');
  assertClose(final.state.c.flat(), expected.state.c.flat(), tolerance, 'final c');
});

it('different sessions do not wait for each other', async () => {
  mostRunning = 0;
  const ids = await Promise.all(
    [0, 1, 2, 3].map(async () => (await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } })).json().session_id as string),
  );
  const responses = await Promise.all(
    ids.map((id) => app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs: [row(1)] } })),
  );
  for (const response of responses) assert.equal(response.statusCode, 200, response.body);
  assert.ok(mostRunning > 1, `steps of different sessions overlapped (at most ${mostRunning} at once)`);
});

// Resident sessions (src/sessions/slot-table.ts, sessions.ts), memory store: a session stepped
// one element at a time keeps its state in a slot of its model's state matrix; evicted (idle, or
// the table full) its state goes back to its record, and its next step brings it back. Nothing of
// that may show: every answer is bit-identical to an app without slots (SESSION_SLOTS=0), a
// refused step (NON_FINITE_RESULT) leaves the session exactly as it was, and a reset, a delete or
// an expiry of a resident session is what it is for any other.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { assertError, buildTestApp, FIXTURES_DIR, ManualClock } from '../helpers/app.js';
import { writeRandomPackage } from '../helpers/model-files.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// The lstm fixture, plus a ReLU network that overflows on huge inputs (relu does not saturate).
const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-slots-'));
cpSync(join(FIXTURES_DIR, 'lstm'), join(dir, 'lstm'), { recursive: true });
writeRandomPackage(dir, 'relu_wide', { architecture: 'rnn', nonlinearity: 'relu', input_size: 63, hidden_size: 8, output_size: 5 }, 11, 0.9);
after(() => rmSync(dir, { recursive: true, force: true }));

const HUGE = 3.4e38;
const hugeRow = Array.from({ length: 63 }, () => HUGE);
const oneHot = (k: number): number[] => Array.from({ length: 63 }, (_, j) => (j === k ? 1 : 0));
const inputAt = (k: number): number[] => [Math.sin(k), Math.cos(3 * k), k / 7];

/** An app with slots (idle after 1 s of its manual clock) and its clock. */
async function slotApp(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; clock: ManualClock }> {
  const clock = new ManualClock();
  const app = await buildTestApp({ MODELS_DIR: dir, SESSION_SLOT_IDLE_SECONDS: '1', ...env }, { clock: clock.now });
  after(() => app.close());
  return { app, clock };
}

/** The reference: no resident sessions, every step from its record. */
const plain = await buildTestApp({ MODELS_DIR: dir, SESSION_SLOTS: '0' });
after(() => plain.close());

async function create(app: FastifyInstance, model = 'lstm', ttlSeconds?: number): Promise<string> {
  const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model, ...(ttlSeconds ? { ttl_seconds: ttlSeconds } : {}) } });
  assert.equal(created.statusCode, 201, created.body);
  return (created.json() as { session_id: string }).session_id;
}

function stepReply(app: FastifyInstance, id: string, inputs: number[][], returnState = false) {
  return app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs, ...(returnState ? { return_state: true } : {}) } });
}

async function step(app: FastifyInstance, id: string, inputs: number[][], returnState = false): Promise<Json> {
  const reply = await stepReply(app, id, inputs, returnState);
  assert.equal(reply.statusCode, 200, reply.body);
  return reply.json();
}

async function read(app: FastifyInstance, id: string): Promise<Json> {
  const reply = await app.inject(`/v1/sessions/${id}`);
  assert.equal(reply.statusCode, 200, reply.body);
  return reply.json();
}

/** What a fresh session of the reference app answers to these single-element steps, in turn. */
async function referenceSteps(inputs: number[][], model = 'lstm'): Promise<Json[]> {
  const id = await create(plain, model);
  const answers: Json[] = [];
  for (const x of inputs) answers.push(await step(plain, id, [x], true));
  return answers;
}

describe('resident sessions (memory store)', async () => {
  const { app, clock } = await slotApp();
  const inputs = Array.from({ length: 6 }, (_, k) => inputAt(k));
  const want = await referenceSteps(inputs);

  it('a stepped session is resident; its state is shown from the slot, as the step returned it', async () => {
    const id = await create(app);
    const first = await step(app, id, [inputs[0]!], true);
    assert.ok(app.inference.isResident(id), 'resident after its first step');
    assert.deepEqual(first.outputs, want[0]!.outputs);
    assert.deepEqual(first.state, want[0]!.state);
    const shown = await read(app, id);
    assert.equal(shown.t, 1);
    assert.deepEqual(shown.state, want[0]!.state, 'GET shows the resident state');
  });

  it('evicted when idle, the state goes back to the record; the next step brings it back, bit-identical', async () => {
    const id = await create(app);
    for (let k = 0; k < 3; k++) assert.deepEqual((await step(app, id, [inputs[k]!])).outputs, want[k]!.outputs, `step ${k}`);
    clock.advance(2000);
    // The last step's slot stays pinned for the rest of the turn its answer was read in.
    await new Promise(setImmediate);
    app.inference.evictIdleSessions();
    assert.equal(app.inference.isResident(id), false, 'evicted after its idle time');
    assert.deepEqual((await read(app, id)).state, want[2]!.state, 'written back to its record');
    for (let k = 3; k < 6; k++) assert.deepEqual((await step(app, id, [inputs[k]!])).outputs, want[k]!.outputs, `step ${k}`);
    assert.ok(app.inference.isResident(id), 'brought back by its next step');
  });

  it('a session used within its idle time stays resident', async () => {
    const id = await create(app);
    await step(app, id, [inputs[0]!]);
    clock.advance(2000);
    app.inference.evictIdleSessions();
    await step(app, id, [inputs[1]!]);
    clock.advance(500);
    app.inference.evictIdleSessions();
    assert.ok(app.inference.isResident(id));
  });

  it('sessions stepped at once (one batch) each answer what they would alone', async () => {
    const ids = await Promise.all(Array.from({ length: 8 }, () => create(app)));
    for (let k = 0; k < 3; k++) {
      const answers = await Promise.all(ids.map((id) => step(app, id, [inputs[k]!])));
      for (const answer of answers) assert.deepEqual(answer.outputs, want[k]!.outputs, `step ${k}`);
    }
    assert.ok(ids.every((id) => app.inference.isResident(id)));
  });

  it('steps sent to one session at once run in arrival order, each from the slot its predecessor committed', async () => {
    const id = await create(app);
    const answers = await Promise.all(inputs.map((x) => step(app, id, [x])));
    answers.forEach((answer, k) => {
      assert.equal(answer.t, k + 1, 'arrival order');
      assert.deepEqual(answer.outputs, want[k]!.outputs, `step ${k}`);
    });
    assert.ok(app.inference.isResident(id));
    assert.deepEqual((await read(app, id)).state, want[inputs.length - 1]!.state);
  });

  it('a step of several elements on a resident session runs from its state, then the session is resident again', async () => {
    const id = await create(app);
    await step(app, id, [inputs[0]!]);
    const several = await step(app, id, [inputs[1]!, inputs[2]!, inputs[3]!], true);
    assert.deepEqual(several.outputs, [want[1]!.outputs[0], want[2]!.outputs[0], want[3]!.outputs[0]]);
    assert.deepEqual(several.state, want[3]!.state);
    assert.deepEqual((await step(app, id, [inputs[4]!])).outputs, want[4]!.outputs);
    assert.ok(app.inference.isResident(id));
  });

  it('a reset of a resident session starts it over from the reset state', async () => {
    const id = await create(app);
    await step(app, id, [inputs[0]!]);
    await step(app, id, [inputs[1]!]);
    const reset = await app.inject({ method: 'POST', url: `/v1/sessions/${id}/reset`, payload: {} });
    assert.equal(reset.statusCode, 200, reset.body);
    assert.equal((await read(app, id)).t, 0);
    assert.deepEqual((await step(app, id, [inputs[0]!], true)).state, want[0]!.state, 'from zeros, not from the old slot');
  });

  it('a deleted resident session leaves its slot and is gone', async () => {
    const id = await create(app);
    await step(app, id, [inputs[0]!]);
    assert.equal((await app.inject({ method: 'DELETE', url: `/v1/sessions/${id}` })).statusCode, 204);
    assert.equal(app.inference.isResident(id), false);
    assertError(await stepReply(app, id, [inputs[1]!]), 404, 'SESSION_NOT_FOUND');
    assertError(await app.inject(`/v1/sessions/${id}`), 404, 'SESSION_NOT_FOUND');
  });

  it('a resident session that expires is gone, and its slot is reaped', async () => {
    const id = await create(app, 'lstm', 3);
    await step(app, id, [inputs[0]!]);
    clock.advance(4000);
    assertError(await stepReply(app, id, [inputs[1]!]), 404, 'SESSION_NOT_FOUND');
    app.inference.evictIdleSessions();
    assert.equal(app.inference.isResident(id), false);
  });
});

describe('slot pressure', async () => {
  // One slot for three sessions stepped in turn: every step evicts the session before it.
  const { app } = await slotApp({ SESSION_SLOTS: '1' });
  const inputs = Array.from({ length: 4 }, (_, k) => inputAt(k));
  const want = await referenceSteps(inputs);

  it('sessions evicted by the least recently used rule continue bit-identically', async () => {
    const ids = [await create(app), await create(app), await create(app)];
    for (let k = 0; k < inputs.length; k++) {
      for (const id of ids) assert.deepEqual((await step(app, id, [inputs[k]!])).outputs, want[k]!.outputs, `session ${id}, step ${k}`);
      assert.equal(app.inference.sessionsResident, 1, 'never more than SESSION_SLOTS');
    }
    for (const id of ids) assert.deepEqual((await read(app, id)).state, want[inputs.length - 1]!.state);
  });

  it("a step's outputs and state stay its own while the caller reads them, though another session takes the slot first", async () => {
    // The answer's arrays are the slot's rows. A continuation that runs before the caller's own
    // (here a then() registered first, in a real server any other request's microtask) steps a
    // session that is not resident: with one slot, it needs the slot the first step just used.
    const a = await create(app);
    const b = await create(app);
    await step(app, b, [inputs[1]!]); // b resident, with a state that is not a's
    const stepA = app.inference.step(a, { inputs: [inputs[0]!] });
    let stepB: Promise<unknown> | undefined;
    void stepA.then(() => (stepB = app.inference.step(b, { inputs: [inputs[2]!] })));
    const outcome = await stepA;
    assert.ok(stepB !== undefined, 'b stepped before the caller of a read its answer');
    // The reference answered JSON: its numbers read back as these float32 values.
    const float32 = (rows: number[][]): number[] => rows.flat().map(Math.fround);
    assert.deepEqual(Array.from(outcome.outputs), float32(want[0]!.outputs), "a's outputs");
    assert.deepEqual(
      { h: Array.from(outcome.state.subarray(0, 8)), c: Array.from(outcome.state.subarray(8)) },
      { h: float32(want[0]!.state.h), c: float32(want[0]!.state.c) },
      "a's state",
    );
    await stepB;
  });

  it('more sessions at once than slots: the others run from their records, all bit-identical', async () => {
    const ids = await Promise.all(Array.from({ length: 5 }, () => create(app)));
    for (let k = 0; k < 2; k++) {
      const answers = await Promise.all(ids.map((id) => step(app, id, [inputs[k]!])));
      for (const answer of answers) assert.deepEqual(answer.outputs, want[k]!.outputs, `step ${k}`);
    }
  });
});

describe('the non-finite guard with resident state', async () => {
  const { app } = await slotApp();
  const fine = [oneHot(1), oneHot(5), oneHot(9)];
  const want = await referenceSteps(fine, 'relu_wide');

  it('a step that overflows is refused and leaves the resident session exactly as it was', async () => {
    const id = await create(app, 'relu_wide');
    await step(app, id, [fine[0]!]);
    await step(app, id, [fine[1]!]);
    assert.ok(app.inference.isResident(id));
    const before = await read(app, id);
    assertError(await stepReply(app, id, [hugeRow]), 422, 'NON_FINITE_RESULT');
    const afterRefusal = await read(app, id);
    assert.equal(afterRefusal.t, before.t, 't unchanged');
    assert.deepEqual(afterRefusal.state, before.state, 'state unchanged');
    assert.deepEqual(afterRefusal.state, want[1]!.state);
    // And the session goes on as if the refused step had never been sent.
    assert.deepEqual((await step(app, id, [fine[2]!], true)).state, want[2]!.state);
  });

  it('in a batch, only the overflowing session is refused; the others step', async () => {
    const ids = await Promise.all(Array.from({ length: 4 }, () => create(app, 'relu_wide')));
    await Promise.all(ids.map((id) => step(app, id, [fine[0]!])));
    const replies = await Promise.all(ids.map((id, i) => stepReply(app, id, [i === 2 ? hugeRow : fine[1]!])));
    replies.forEach((reply, i) => {
      if (i === 2) assertError(reply, 422, 'NON_FINITE_RESULT');
      else assert.deepEqual((reply.json() as Json).outputs, want[1]!.outputs);
    });
    assert.deepEqual((await read(app, ids[2]!)).state, want[0]!.state, 'the refused one is as it was');
  });
});

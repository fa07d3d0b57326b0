// The TypeScript client (clients/typescript) against real server processes (src/server.ts) on the
// bundled models: every call, errors as the client's classes with the server's codes, API keys,
// streams in JSON and binary, and resuming a stream after its connection drops (through a proxy
// the test cuts) and after its replica is killed (two replicas sharing Redis). Also: the client's
// generated types are those of openapi/openapi.json, and its error families cover every code.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import {
  AuthenticationError,
  Client,
  ConflictError,
  ERROR_FAMILIES,
  InvalidRequestError,
  NotFoundError,
  RnnServeError,
  type State,
  type StepReply,
  type TokenEvent,
} from '../../clients/typescript/src/index.js';
import { CLIENT_TYPES_PATH, clientTypes } from '../../scripts/write-client-types.js';
import * as serverErrors from '../../src/errors.js';
import { bundledModelsOnly } from '../helpers/bundled-models.js';
import { CuttableProxy } from '../helpers/cuttable-proxy.js';
import { assertClose, readCaseFile } from '../helpers/fixtures.js';
import { RedisPrefixes, requireRedis, TEST_REDIS_URL } from '../helpers/redis.js';
import { ServerProcess } from '../helpers/server-process.js';

// The bundled packages only (users export their own into models/).
const bundled = bundledModelsOnly();
after(bundled.cleanup);
const MODELS = { MODELS_DIR: bundled.dir };
const co2Cases = readCaseFile('models/co2-lstm');
const gruCases = readCaseFile('models/kjv-char-gru');

/** Weekly CO2 values, all different: a long enough stream to cut in the middle. */
const weeks = (count: number): number[][] => Array.from({ length: count }, (_, i) => [360 + i * 0.04 + Math.sin(i / 4)]);

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('TypeScript client: contract', () => {
  it('its types are what openapi-typescript makes of openapi/openapi.json', async () => {
    assert.equal(readFileSync(CLIENT_TYPES_PATH, 'utf8'), await clientTypes(), 'run `npm run openapi`');
  });

  it('every error code of the server has a family, and every family code exists', () => {
    const codes = Object.values(serverErrors).map((ErrorClass) => new (ErrorClass as new (message: string) => { code: string })('x').code);
    assert.deepEqual(Object.keys(ERROR_FAMILIES).sort(), [...codes].sort());
  });
});

describe('TypeScript client against a server', () => {
  let server: ServerProcess;
  let client: Client;

  before(async () => {
    server = await ServerProcess.start(MODELS);
    client = new Client(server.baseUrl);
  });
  after(() => server.stop());

  it('models() and model(name); an unknown model is a NotFoundError with the server code', async () => {
    const names = (await client.models()).map((model) => model.name).sort();
    assert.deepEqual(names, ['co2-lstm', 'kjv-char-gru', 'min-char-rnn']);
    const co2 = await client.model('co2-lstm');
    assert.deepEqual([co2.architecture, co2.input_size, co2.output_size], ['lstm', 1, 1]);
    const error = await client.model('nope').catch((caught: unknown) => caught);
    assert.ok(error instanceof NotFoundError, String(error));
    assert.equal(error.code, 'MODEL_NOT_FOUND');
    assert.equal(error.statusCode, 404);
    assert.match(error.message, /nope/);
  });

  it('predict equals PyTorch, and predictBatch equals predict per sequence', async () => {
    for (const c of co2Cases.cases) {
      const answer = await client.predict('co2-lstm', c.inputs!, c.state ? { state: c.state as State } : {});
      assertClose(answer.outputs.flat(), c.outputs.flat(), co2Cases.tolerance, `${c.name} outputs`);
    }
    const [first, second] = co2Cases.cases as [(typeof co2Cases.cases)[0], (typeof co2Cases.cases)[0]];
    const results = await client.predictBatch('co2-lstm', [first.inputs!, { inputs: second.inputs! }]);
    assert.deepEqual(results[0]!.outputs, (await client.predict('co2-lstm', first.inputs!)).outputs);
    assert.deepEqual(results[1]!.outputs, (await client.predict('co2-lstm', second.inputs!)).outputs);
    const tokens = gruCases.cases[0]!;
    const text = await client.predict('kjv-char-gru', { text: tokens.text! });
    assertClose(text.outputs.flat(), tokens.outputs.flat(), gruCases.tolerance, 'kjv-char-gru text');
  });

  it('bad input is an InvalidRequestError saying where', async () => {
    const error = await client.predict('co2-lstm', [[1, 2]]).catch((caught: unknown) => caught);
    assert.ok(error instanceof InvalidRequestError);
    assert.equal(error.code, 'INVALID_INPUT');
    assert.match(error.message, /inputs\[0\] has 2 values/);
  });

  it('generate is seeded, forecast feeds predictions back', async () => {
    const one = await client.generate('kjv-char-gru', { text: 'And God said, ' }, { max_tokens: 30, temperature: 0.7, seed: 7 });
    const two = await client.generate('kjv-char-gru', { text: 'And God said, ' }, { max_tokens: 30, temperature: 0.7, seed: 7 });
    assert.equal(one.text.length, 30);
    assert.deepEqual(one, two);
    const history = weeks(12);
    const forecast = await client.forecast('co2-lstm', history, 3);
    assert.equal(forecast.length, 3);
    // Each prediction is the model's output for the previous one fed back.
    const replay = await client.predict('co2-lstm', [...history, forecast[0]!, forecast[1]!]);
    assert.deepEqual(replay.outputs.slice(-3), forecast);
  });

  it('a session: steps in chunks equal one predict, state, reset, and a stale t is a ConflictError', async () => {
    const inputs = weeks(9);
    const whole = await client.predict('co2-lstm', inputs);
    const sessionId = await client.withSession('co2-lstm', async (session) => {
      const outputs = [await session.step(inputs[0]!), ...(await session.steps(inputs.slice(1, 5))), ...(await session.steps(inputs.slice(5)))];
      assert.deepEqual(outputs, whole.outputs);
      const seen = await session.state();
      assert.equal(seen.t, 9);
      assert.deepEqual(seen.state, whole.state);
      session.t = 3; // as if this client had missed an answer
      const stale = await session.step(inputs[0]!).catch((caught: unknown) => caught);
      assert.ok(stale instanceof ConflictError);
      assert.equal(stale.code, 'SEQUENCE_CONFLICT');
      assert.equal((await session.state()).t, 9, 'nothing was applied');
      assert.equal((await session.reset()).t, 0);
      assert.deepEqual(await session.steps(inputs), whole.outputs);
      return session.id;
    });
    const gone = await client.getSession(sessionId).catch((caught: unknown) => caught);
    assert.ok(gone instanceof NotFoundError && gone.code === 'SESSION_NOT_FOUND', 'withSession deleted it');
  });

  it('a session generates and forecasts from its state', async () => {
    const session = await client.session('kjv-char-gru');
    try {
      const generated = await session.generate({ text: 'In the beginning ' }, { max_tokens: 12, temperature: 0, seed: 1 });
      const stateless = await client.generate('kjv-char-gru', { text: 'In the beginning ' }, { max_tokens: 12, temperature: 0, seed: 1 });
      assert.equal(generated.text, stateless.text);
      assert.equal(session.t, 17 + 12);
    } finally {
      await session.delete();
    }
  });

  it('a JSON stream: map() pipelines and equals predict; send/recv and iteration keep order', async () => {
    const inputs = weeks(40);
    const whole = await client.predict('co2-lstm', inputs);
    const stream = await client.stream('co2-lstm');
    const replies: StepReply[] = [];
    for await (const reply of stream.map(inputs.slice(0, 30), 8)) replies.push(reply);
    assert.deepEqual(replies.map((reply) => reply.t), Array.from({ length: 30 }, (_, i) => i + 1));
    for (const x of inputs.slice(30, 35)) stream.send(x, `m${x[0]}`);
    stream.sendMany(inputs.slice(35));
    for await (const reply of stream) replies.push(reply);
    assert.deepEqual(replies.flatMap((reply) => reply.outputs!), whole.outputs);
    assert.equal(replies[30]!.id, `m${inputs[30]![0]}`);
    const state = await stream.state();
    assert.deepEqual([state.t, state.state], [40, whole.state]);
    assert.equal((await stream.reset()).t, 0);
    assert.deepEqual(await stream.step(inputs[0]!), whole.outputs[0]);
    const sessionId = stream.session.sessionId;
    await stream.close();
    assert.ok((await client.getSession(sessionId).catch((caught: unknown) => caught)) instanceof NotFoundError, 'close() deleted the session');
  });

  it('a binary stream gives the float32 values of predict', async () => {
    // float32 inputs: binary frames carry float32, JSON carries doubles
    const inputs = weeks(20).map((row) => row.map(Math.fround));
    const whole = await client.predict('co2-lstm', inputs);
    const stream = await client.stream('co2-lstm', { binary: true });
    const outputs: number[][] = [];
    for await (const reply of stream.map(inputs.slice(0, 12), 4)) outputs.push(...reply.outputs!);
    outputs.push(...(await stream.steps(inputs.slice(12))));
    await stream.close();
    assert.deepEqual(outputs, whole.outputs.map((row) => row.map(Math.fround)));
  });

  it('generate over a stream delivers every token as it comes, and equals REST generate with the seed', async () => {
    const stream = await client.stream('kjv-char-gru');
    const tokens: TokenEvent[] = [];
    const generated = await stream.generate({ text: 'And God said, ' }, { max_tokens: 25, temperature: 0.7, seed: 7 }, (token) => tokens.push(token));
    await stream.close();
    const rest = await client.generate('kjv-char-gru', { text: 'And God said, ' }, { max_tokens: 25, temperature: 0.7, seed: 7 });
    assert.equal(tokens.map((token) => token.token).join(''), rest.text);
    assert.equal(generated.text, rest.text);
    assert.equal(generated.t, 14 + 25);
  });

  it('a stream refuses a wrong vector before sending it, and a server error reply rejects only its message', async () => {
    const stream = await client.stream('co2-lstm');
    assert.throws(() => stream.send([1, 2]), InvalidRequestError);
    assert.throws(() => stream.send([Number.NaN]), /not a finite number/);
    const unknownToken = await stream.step('x').catch((caught: unknown) => caught);
    assert.ok(unknownToken instanceof RnnServeError && unknownToken.code === 'INVALID_INPUT', String(unknownToken));
    assert.equal(stream.t, 0);
    assert.equal((await stream.step([360])).length, 1);
    await stream.close();
  });

  it('attach() to a missing session is a NotFoundError', async () => {
    const error = await client.attach('no-such-session', { maxReconnects: 1 }).catch((caught: unknown) => caught);
    assert.ok(error instanceof NotFoundError, String(error));
    assert.equal(error.code, 'SESSION_NOT_FOUND');
  });

  describe('resume after the connection drops (a proxy between client and server)', () => {
    let proxy: CuttableProxy;
    before(async () => {
      proxy = new CuttableProxy(server.port);
      await proxy.start();
    });
    after(() => proxy.stop());

    it('elements the server never received are resent from ready.t: the outputs of an uninterrupted run', async () => {
      const inputs = weeks(30);
      const whole = await client.predict('co2-lstm', inputs);
      const viaProxy = new Client(proxy.baseUrl);
      const stream = await viaProxy.stream('co2-lstm', { reconnectDelayMs: 20 });
      const outputs: number[][] = [];
      for (const x of inputs.slice(0, 10)) outputs.push(await stream.step(x));
      proxy.hold('up');
      for (const x of inputs.slice(10, 20)) stream.send(x);
      proxy.cut();
      for (const x of inputs.slice(20)) stream.send(x);
      for await (const reply of stream) outputs.push(...reply.outputs!);
      assert.equal(stream.reconnects, 1);
      assert.deepEqual(outputs, whole.outputs);
      assert.deepEqual((await stream.state()).state, whole.state);
      await stream.close();
    });

    it('elements applied whose replies were lost are not resent: reported as lost, and the session equals an uninterrupted run', async () => {
      const inputs = weeks(24);
      const whole = await client.predict('co2-lstm', inputs);
      const viaProxy = new Client(proxy.baseUrl);
      const stream = await viaProxy.stream('co2-lstm', { reconnectDelayMs: 20 });
      const direct = await client.getSession(stream.session.sessionId);
      for (const x of inputs.slice(0, 8)) await stream.step(x);
      proxy.hold('down');
      for (const x of inputs.slice(8, 16)) stream.send(x);
      await until(async () => (await direct.state()).t === 16, 'the server to apply the held elements');
      proxy.cut();
      for (const x of inputs.slice(16)) stream.send(x);
      const replies: StepReply[] = [];
      for await (const reply of stream) replies.push(reply);
      assert.deepEqual(replies.map((reply) => reply.t), Array.from({ length: 16 }, (_, i) => i + 9), 'each element applied once');
      assert.deepEqual(replies.slice(0, 8).map((reply) => reply.outputs), Array(8).fill(null), 'lost replies are reported, not invented');
      assert.deepEqual(replies.slice(8).flatMap((reply) => reply.outputs!), whole.outputs.slice(16));
      assert.deepEqual((await stream.state()).state, whole.state);
      await stream.close();
    });

    it('a generate cut short is resent with the same seed and delivers each token once', async () => {
      const viaProxy = new Client(proxy.baseUrl);
      const stream = await viaProxy.stream('kjv-char-gru', { reconnectDelayMs: 20 });
      const tokens: TokenEvent[] = [];
      let cutDone = false;
      // As long a generation as the server allows, so the cut lands while it runs.
      const generated = stream.generate({ text: 'Blessed are ' }, { max_tokens: 1000, temperature: 0.8 }, (token) => {
        tokens.push(token);
        if (token.index === 5 && !cutDone) {
          cutDone = true;
          proxy.cut();
        }
      });
      const answer = await generated;
      await stream.close();
      assert.equal(stream.reconnects, 1);
      assert.deepEqual(tokens.map((token) => token.index), Array.from({ length: 1000 }, (_, i) => i));
      assert.equal(tokens.map((token) => token.token).join(''), answer.text);
      const rest = await client.generate('kjv-char-gru', { text: 'Blessed are ' }, { max_tokens: 1000, temperature: 0.8, seed: answer.seed });
      assert.equal(answer.text, rest.text);
      assert.equal(answer.t, 12 + 1000);
    });
  });
});

describe('TypeScript client with API keys', () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start({ ...MODELS, API_KEYS: 'k-one,k-two' });
  });
  after(() => server.stop());

  it('without a key: AuthenticationError over REST and on stream upgrades; with one, both work', async () => {
    const anonymous = new Client(server.baseUrl);
    const refused = await anonymous.models().catch((caught: unknown) => caught);
    assert.ok(refused instanceof AuthenticationError && refused.code === 'UNAUTHORIZED' && refused.statusCode === 401);
    const keyed = new Client(server.baseUrl, { apiKey: 'k-two' });
    const session = await keyed.session('co2-lstm');
    const upgrade = await anonymous.attach(session.id, { maxReconnects: 1 }).catch((caught: unknown) => caught);
    assert.ok(upgrade instanceof AuthenticationError, String(upgrade));
    const stream = await keyed.attach(session.id);
    assert.equal((await stream.step([360])).length, 1);
    await stream.close();
    await session.delete();
  });
});

describe('TypeScript client on two replicas sharing Redis, one killed mid-stream', async () => {
  await requireRedis();
  const prefixes = new RedisPrefixes();
  const env = { ...MODELS, SESSION_STORE: 'redis', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefixes.create('client-ts') };
  let victim: ServerProcess;
  let survivor: ServerProcess;
  before(async () => {
    [victim, survivor] = await Promise.all([ServerProcess.start(env), ServerProcess.start(env)]);
  });
  after(async () => {
    await Promise.all([victim?.stop(), survivor?.stop()]);
    await prefixes.deleteAll();
  });

  it('messages in flight to the killed replica are resent to the other: the outputs of an uninterrupted run', async () => {
    const inputs = weeks(40);
    const whole = await new Client(survivor.baseUrl).predict('co2-lstm', inputs);
    const client = new Client([victim.baseUrl, survivor.baseUrl]);
    const stream = await client.stream('co2-lstm', { reconnectDelayMs: 20 });
    const outputs: number[][] = [];
    for await (const reply of stream.map(inputs.slice(0, 15), 4)) outputs.push(...reply.outputs!);
    // Frozen, then killed: what is sent meanwhile reaches a process that never reads it.
    victim.signal('SIGSTOP');
    for (const x of inputs.slice(15, 25)) stream.send(x);
    victim.signal('SIGKILL');
    await victim.exited;
    for (const x of inputs.slice(25)) stream.send(x);
    for await (const reply of stream) outputs.push(...reply.outputs!);
    assert.equal(stream.reconnects, 1);
    assert.equal(client.http.endpoint, survivor.baseUrl, 'the stream moved to the other replica');
    assert.deepEqual(outputs, whole.outputs);
    assert.deepEqual((await stream.state()).state, whole.state);
    await stream.close();
  });

  it('a replica killed during a pipelined run: every element applied once, received outputs exact, lost ones reported', async () => {
    victim = await ServerProcess.start(env);
    const inputs = weeks(60);
    const whole = await new Client(survivor.baseUrl).predict('co2-lstm', inputs);
    const client = new Client([victim.baseUrl, survivor.baseUrl]);
    const stream = await client.stream('co2-lstm', { reconnectDelayMs: 20 });
    const replies: StepReply[] = [];
    for await (const reply of stream.map(inputs, 16)) {
      replies.push(reply);
      if (reply.t === 20) victim.signal('SIGKILL');
    }
    assert.equal(stream.reconnects, 1);
    assert.deepEqual(replies.map((reply) => reply.t), Array.from({ length: 60 }, (_, i) => i + 1), 'each element applied once, in order');
    replies.forEach((reply, i) => {
      if (reply.outputs !== null) assert.deepEqual(reply.outputs, [whole.outputs[i]], `the output of t = ${i + 1}`);
    });
    assert.deepEqual((await stream.state()).state, whole.state);
    await stream.close();
  });

  it('a replica frozen mid-stream (never killed): the heartbeat drops it and the stream resumes on the other', async () => {
    victim = await ServerProcess.start(env);
    const inputs = weeks(30);
    const whole = await new Client(survivor.baseUrl).predict('co2-lstm', inputs);
    const client = new Client([victim.baseUrl, survivor.baseUrl]);
    const stream = await client.stream('co2-lstm', { reconnectDelayMs: 20, heartbeatMs: 200 });
    const outputs: number[][] = [];
    for await (const reply of stream.map(inputs.slice(0, 10), 4)) outputs.push(...reply.outputs!);
    victim.signal('SIGSTOP'); // its sockets stay open: only the missing pongs tell
    for (const x of inputs.slice(10)) stream.send(x);
    for await (const reply of stream) outputs.push(...reply.outputs!);
    assert.equal(stream.reconnects, 1);
    assert.equal(client.http.endpoint, survivor.baseUrl);
    assert.deepEqual(outputs, whole.outputs);
    await stream.close();
    await victim.stop();
  });
});

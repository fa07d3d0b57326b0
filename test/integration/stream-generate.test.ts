// The `generate` message of a stream, on the token_gru fixture: it streams one `token` message
// per token and then `generated`, with exactly what POST /v1/sessions/{id}/generate answers and
// leaves behind for the same seed; greedy is the argmax of stepping; bad parameters get an error
// frame and change nothing; later messages wait for it; and a client that does not read pauses
// the generation (or, if it never reads, is closed with nothing stored); a session written by
// another replica during a generation gives SEQUENCE_CONFLICT, never a second run of tokens.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { after, describe, it } from 'node:test';
import { MemorySessionStore } from '../../src/sessions/memory-session-store.js';
import type { CompareAndSetResult, SessionRecord, SessionStore } from '../../src/sessions/session-store.js';
import { StreamConnection } from '../../src/stream/connection.js';
import { streamLimits } from '../../src/stream/limits.js';
import type { StreamSocket } from '../../src/stream/stream-socket.js';
import { buildTestApp, makeModelsDir, testConfig } from '../helpers/app.js';
import { StreamClient, eventually, listenForStreams } from '../helpers/stream-client.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const VOCAB = ['h', 'e', 'l', 'o', ' ', 'w', 'r', 'd', '.', ',', '!', '?'];
const MAX_GENERATE_TOKENS = 40;

const models = makeModelsDir(['token_gru', 'gru']);
const env = { MODELS_DIR: models.dir, MAX_GENERATE_TOKENS: String(MAX_GENERATE_TOKENS) };
const app = await buildTestApp(env);
after(async () => {
  await app.close();
  models.cleanup();
});
const base = await listenForStreams(app);

async function ok(method: 'GET' | 'POST', url: string, payload?: Json): Promise<Json> {
  const response = await app.inject({ method, url, ...(payload !== undefined ? { payload } : {}) });
  assert.ok(response.statusCode === 200 || response.statusCode === 201, `${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

const createSession = async (model = 'token_gru'): Promise<string> => (await ok('POST', '/v1/sessions', { model })).session_id;
const sessionOf = (id: string): Promise<Json> => ok('GET', `/v1/sessions/${id}`);

/** A stream attached to a new session of `model` (so the session can be read over REST afterwards). */
async function streamOnNewSession(model = 'token_gru'): Promise<{ client: StreamClient; sessionId: string }> {
  const sessionId = await createSession(model);
  const client = await StreamClient.open(`${base}/v1/sessions/${sessionId}/stream`);
  assert.equal((await client.json()).type, 'ready');
  return { client, sessionId };
}

/** The replies to one generate message: its token messages, then the message that ended it. */
async function readGeneration(client: StreamClient): Promise<{ tokens: Json[]; final: Json }> {
  const tokens: Json[] = [];
  for (;;) {
    const message = await client.json();
    if (message.type !== 'token') return { tokens, final: message };
    tokens.push(message);
  }
}

function argmax(row: readonly number[]): number {
  return row.reduce((best, value, i) => (value > row[best]! ? i : best), 0);
}

describe('generate over a stream', () => {
  const requests: Json[] = [
    { text: 'hel', max_tokens: 20, seed: 77 },
    { tokens: ['h', 1, 'l'], max_tokens: 15, temperature: 0.7, top_k: 4, top_p: 0.9, seed: 5 },
    { text: 'hello', max_tokens: MAX_GENERATE_TOKENS, seed: 21, stop: ['never', 'o'] },
  ];
  for (const request of requests) {
    it(`equals POST /v1/sessions/{id}/generate for ${JSON.stringify(request)}: tokens, text, t and the state after`, async () => {
      const restSession = await createSession();
      const { session_id: _, ...rest } = await ok('POST', `/v1/sessions/${restSession}/generate`, request);

      const { client, sessionId } = await streamOnNewSession();
      client.sendJson({ type: 'generate', ...request, id: 'g' });
      const { tokens, final } = await readGeneration(client);
      assert.deepEqual(final, { type: 'generated', ...rest, id: 'g' });
      assert.deepEqual(
        tokens,
        rest.tokens.map((id: number, index: number) => ({ type: 'token', index, token: VOCAB[id], token_id: id, id: 'g' })),
      );

      const streamed = await sessionOf(sessionId);
      const posted = await sessionOf(restSession);
      assert.equal(streamed.t, posted.t);
      assert.equal(streamed.t, rest.t);
      assert.deepEqual(streamed.state, posted.state);
      await client.close();
    });
  }

  it('a stop string ends it as over REST: finish_reason stop, the text cut before it, the tokens with it', async () => {
    const { client } = await streamOnNewSession();
    client.sendJson({ type: 'generate', text: 'hello', max_tokens: MAX_GENERATE_TOKENS, seed: 21, stop: ['never', 'o'] });
    const { tokens, final } = await readGeneration(client);
    assert.equal(final.finish_reason, 'stop');
    assert.equal(final.stop_sequence, 'o');
    assert.equal(tokens.at(-1)!.token, 'o');
    assert.equal(final.text, tokens.slice(0, -1).map((token) => token.token).join(''));
    assert.equal(final.t, 5 + tokens.length);
    await client.close();
  });

  it('greedy (temperature 0) is the argmax of the outputs, stepping one token at a time', async () => {
    const { client } = await streamOnNewSession();
    client.sendJson({ type: 'generate', text: 'wor', max_tokens: 12, temperature: 0 });
    const { tokens, final } = await readGeneration(client);

    const stepping = await createSession();
    let step = await ok('POST', `/v1/sessions/${stepping}/steps`, { text: 'wor' });
    const expected: number[] = [];
    for (let i = 0; i < 12; i++) {
      const id = argmax(step.outputs.at(-1));
      expected.push(id);
      step = await ok('POST', `/v1/sessions/${stepping}/steps`, { tokens: [id] });
    }
    assert.deepEqual(final.tokens, expected);
    assert.deepEqual(
      tokens.map((token) => token.token_id),
      expected,
    );
    assert.equal(final.text, expected.map((id) => VOCAB[id]).join(''));
    assert.equal(final.finish_reason, 'length');
    assert.equal(final.t, 3 + 12);
    await client.close();
  });

  it('keeps the reply order: messages sent right after a generate are answered after its last token', async () => {
    const { client } = await streamOnNewSession();
    client.sendJson({ type: 'generate', text: 'he', max_tokens: 10, seed: 3, id: 'g1' });
    client.sendJson({ tokens: ['l'], id: 'step' });
    client.sendJson({ type: 'state', id: 'state' });
    client.sendJson({ type: 'generate', tokens: [3], max_tokens: 3, seed: 4, id: 'g2', expected_t: 13 });
    client.sendJson({ x: 'h', id: 'x' });

    const first = await readGeneration(client);
    assert.deepEqual(
      first.tokens.map((token) => [token.index, token.id]),
      Array.from({ length: 10 }, (_, i) => [i, 'g1']),
    );
    assert.deepEqual([first.final.type, first.final.id, first.final.t], ['generated', 'g1', 12]);
    const step = await client.json();
    assert.deepEqual([step.type, step.id, step.t], ['outputs', 'step', 13]);
    const state = await client.json();
    assert.deepEqual([state.type, state.id, state.t], ['state', 'state', 13]);
    const second = await readGeneration(client);
    assert.equal(second.tokens.length, 3);
    assert.deepEqual([second.final.type, second.final.id, second.final.t], ['generated', 'g2', 17]);
    const element = await client.json();
    assert.deepEqual([element.type, element.id, element.t], ['output', 'x', 18]);
    await client.close();
  });

  it('counts the prompt and every generated token in rnn_steps_total{transport="stream"}', async () => {
    const line = 'rnn_steps_total{model="token_gru",transport="stream"}';
    const read = async () => {
      const found = (await app.inject('/metrics')).body.split('\n').find((l) => l.startsWith(`${line} `));
      return found === undefined ? 0 : Number(found.slice(line.length + 1));
    };
    const before = await read();
    const { client } = await streamOnNewSession();
    client.sendJson({ type: 'generate', text: 'hello', max_tokens: 7, seed: 4 });
    await readGeneration(client);
    assert.equal(await read(), before + 5 + 7);
    await client.close();
  });
});

describe('generate errors', () => {
  const refused: [string, Json, string, string][] = [
    ['max_tokens 0', { text: 'he', max_tokens: 0 }, 'INVALID_INPUT', `max_tokens 0 is not an integer in 1..${MAX_GENERATE_TOKENS} (MAX_GENERATE_TOKENS)`],
    ['a negative temperature', { text: 'he', temperature: -1 }, 'INVALID_INPUT', 'temperature -1 is not a finite number >= 0'],
    ['a fractional top_k', { text: 'he', top_k: 1.5 }, 'INVALID_INPUT', 'top_k 1.5 is not an integer >= 0'],
    ['top_p 0', { text: 'he', top_p: 0 }, 'INVALID_INPUT', 'top_p 0 is not a number in (0, 1]'],
    ['a seed that is a string', { text: 'he', seed: '7' }, 'INVALID_INPUT', 'seed "7" is not an integer'],
    ['an empty stop string', { text: 'he', stop: [''] }, 'INVALID_INPUT', 'stop[0] must be a non-empty string'],
    ['a stop that is not an array', { text: 'he', stop: 'o' }, 'INVALID_INPUT', 'stop must be an array of at most 4 strings'],
    ['no prompt', { max_tokens: 3 }, 'INVALID_INPUT', "the prompt is required: send text or tokens (model 'token_gru')"],
    ['two prompts', { text: 'he', tokens: [1] }, 'INVALID_INPUT', 'the prompt is given twice: send text or tokens, not both'],
    ['a character outside the vocabulary', { text: 'hex' }, 'INVALID_INPUT', `text[2] "x" is not in the vocabulary of model 'token_gru'`],
    ['a prompt in x', { x: 'h' }, 'INVALID_INPUT', 'a generate message takes its prompt in text or tokens, not x'],
    ['a malformed expected_t', { text: 'he', expected_t: 'now' }, 'INVALID_INPUT', 'expected_t must be a non-negative integer'],
    ['a wrong expected_t', { text: 'he', expected_t: 7 }, 'SEQUENCE_CONFLICT', 'expected_t is 7 but session'],
  ];

  it('each bad generate gets one error frame with its id, and the session stays as it was', async () => {
    const { client, sessionId } = await streamOnNewSession();
    client.sendJson({ text: 'he' });
    assert.equal((await client.json()).t, 2);
    const before = await sessionOf(sessionId);
    refused.forEach(([, fields], i) => client.sendJson({ type: 'generate', ...fields, id: i }));
    for (const [i, [what, , code, message]] of refused.entries()) {
      const reply = await client.json();
      assert.equal(reply.type, 'error', `${what}: ${JSON.stringify(reply)}`);
      assert.equal(reply.code, code, `${what}: ${JSON.stringify(reply)}`);
      assert.equal(reply.id, i, what);
      assert.ok(String(reply.message).includes(message), `${what}: "${String(reply.message)}" should contain "${message}"`);
    }
    const after = await sessionOf(sessionId);
    assert.deepEqual([after.t, after.state], [before.t, before.state]);

    client.sendJson({ type: 'generate', text: 'l', max_tokens: 2, expected_t: 2, id: 'good' });
    const { tokens, final } = await readGeneration(client);
    assert.equal(tokens.length, 2);
    assert.deepEqual([final.type, final.t, final.id], ['generated', 5, 'good']);
    await client.close();
  });

  it('a model without a vocabulary answers with an error frame; the session is unchanged', async () => {
    const { client, sessionId } = await streamOnNewSession('gru');
    client.sendJson({ type: 'generate', text: 'he', id: 1 });
    assert.deepEqual(await client.json(), {
      type: 'error',
      code: 'INVALID_INPUT',
      message: "model 'gru' has no vocabulary (config vocab), so it cannot generate tokens",
      id: 1,
    });
    assert.equal((await sessionOf(sessionId)).t, 0);
    await client.close();
  });
});

/**
 * Just enough of a `ws` WebSocket to drive a StreamConnection by hand: the test decides how many
 * reply bytes are unread (bufferedAmount) and when they are read (flush).
 */
class FakeSocket extends EventEmitter {
  bufferedAmount = 0;
  readonly sent: Json[] = [];
  closedWith: { code: number; reason: string } | undefined;
  private callbacks: (() => void)[] = [];

  send(data: string | Buffer, callback?: () => void): void {
    this.sent.push(JSON.parse(data.toString()) as Json);
    if (callback !== undefined) this.callbacks.push(callback);
  }

  /** StreamSocket's one-write sends: the same here. */
  sendMessage(data: string | Buffer, flushed: () => void): void {
    this.send(data, flushed);
  }

  sendMessages(messages: readonly (string | Buffer)[], flushed: () => void): void {
    for (const message of messages) this.send(message, flushed);
  }

  /** The client reads everything. */
  flush(): void {
    this.bufferedAmount = 0;
    const callbacks = this.callbacks;
    this.callbacks = [];
    for (const callback of callbacks) callback();
  }

  receive(message: Json): void {
    this.emit('message', Buffer.from(JSON.stringify(message)), false);
  }

  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    setImmediate(() => this.emit('close', code, Buffer.from(reason)));
  }

  terminate(): void {
    this.close(1006, '');
  }

  ping(): void {}
  pause(): void {}
  resume(): void {}

  get tokens(): Json[] {
    return this.sent.filter((message) => message.type === 'token');
  }
}

describe('backpressure on generated tokens', () => {
  const maxBufferedBytes = 1024;

  async function connect(sendTimeoutMs: number): Promise<{ socket: FakeSocket; connection: StreamConnection; sessionId: string }> {
    const session = await app.inference.createSession({ model: 'token_gru' });
    const socket = new FakeSocket();
    const connection = new StreamConnection(
      socket as unknown as StreamSocket,
      {
        sessionId: session.id,
        t: session.t,
        model: app.inference.model('token_gru'),
        owned: false,
        expiresAt: session.expiresAt,
        ttlSeconds: session.ttlSeconds,
      },
      {
        inference: app.inference,
        limits: { ...streamLimits(testConfig(env)), maxBufferedBytes, sendTimeoutMs },
        log: app.log,
        onSocketClose: () => {},
      },
    );
    assert.equal(socket.sent[0]!.type, 'ready');
    return { socket, connection, sessionId: session.id };
  }

  it('a client that does not read pauses the generation after the token that crossed the limit; reading resumes it', async () => {
    const { socket, connection, sessionId } = await connect(60_000);
    socket.bufferedAmount = maxBufferedBytes + 1;
    socket.receive({ type: 'generate', text: 'he', max_tokens: 6, seed: 8, id: 'g' });
    await eventually(() => socket.tokens.length > 0, 'the first token is sent');
    // Held at the first token until the client reads: nothing else is sent, nothing stored yet.
    assert.equal(socket.tokens.length, 1);
    assert.equal((await sessionOf(sessionId)).t, 0);
    socket.flush();
    await eventually(() => socket.sent.at(-1)!.type === 'generated', 'the generation ends');
    const final = socket.sent.at(-1)!;
    assert.deepEqual(
      socket.tokens.map((token) => token.token_id),
      final.tokens,
    );
    assert.equal(final.t, 2 + 6);
    socket.emit('close', 1000, Buffer.from(''));
    await connection.closed;
  });

  it('a client that never reads is closed as a slow consumer, and the stopped generation stores nothing', async () => {
    const { socket, connection, sessionId } = await connect(50);
    socket.bufferedAmount = maxBufferedBytes + 1;
    socket.receive({ type: 'generate', text: 'he', max_tokens: 6, seed: 8 });
    await connection.closed;
    assert.equal(socket.closedWith?.code, 1008);
    assert.match(socket.closedWith?.reason ?? '', /^slow consumer: /);
    assert.equal(socket.tokens.length, 1, 'no token after the one that crossed the limit');
    assert.equal(socket.sent.some((message) => message.type === 'generated'), false);
    assert.equal((await sessionOf(sessionId)).t, 0, 'the session is as it was');
  });
});

/**
 * A memory store where, when armed, "another replica" writes the session (t + 1, same state) just
 * before the next compare-and-set, which then finds its version taken.
 */
class InterferingStore implements SessionStore {
  private readonly inner = new MemorySessionStore({ maxSessions: 100 });
  interfereOnce = false;

  async compareAndSet(id: string, expectedVersion: number, next: SessionRecord): Promise<CompareAndSetResult> {
    if (this.interfereOnce) {
      this.interfereOnce = false;
      const current = (await this.inner.get(id))!;
      assert.equal(await this.inner.compareAndSet(id, current.version, { ...current, t: current.t + 1, version: current.version + 1 }), 'ok');
    }
    return this.inner.compareAndSet(id, expectedVersion, next);
  }

  create = (record: SessionRecord) => this.inner.create(record);
  get = (id: string) => this.inner.get(id);
  renew = (id: string, expiresAt: number) => this.inner.renew(id, expiresAt);
  delete = (id: string) => this.inner.delete(id);
  countByModel = () => this.inner.countByModel();
  onExpired = (listener: (model: string) => void) => this.inner.onExpired(listener);
  ping = () => this.inner.ping();
  close = () => this.inner.close();
}

describe('another replica writes the session during a generation', () => {
  it('the tokens are sent once, then SEQUENCE_CONFLICT; the session keeps only the other write', async (t) => {
    const store = new InterferingStore();
    const replicaApp = await buildTestApp(env, { sessionStore: store });
    t.after(() => replicaApp.close());
    const client = await StreamClient.open(`${await listenForStreams(replicaApp)}/v1/models/token_gru/stream`);
    const sessionId = String((await client.json()).session_id);

    store.interfereOnce = true;
    client.sendJson({ type: 'generate', text: 'he', max_tokens: 5, seed: 2, id: 'g' });
    const { tokens, final } = await readGeneration(client);
    assert.deepEqual(
      tokens.map((token) => token.index),
      [0, 1, 2, 3, 4],
      'no token is sent twice',
    );
    assert.equal(final.type, 'error');
    assert.equal(final.code, 'SEQUENCE_CONFLICT');
    assert.equal(final.id, 'g');
    assert.match(String(final.message), /was changed by another request while tokens were generated; the 5 tokens sent were not applied/);
    const session = (await replicaApp.inject(`/v1/sessions/${sessionId}`)).json() as Json;
    assert.equal(session.t, 1, "only the other replica's write");

    // With nobody interfering, the same message goes through from where the session is now.
    client.sendJson({ type: 'generate', text: 'he', max_tokens: 5, seed: 2, id: 'again' });
    const again = await readGeneration(client);
    assert.deepEqual([again.final.type, again.final.t], ['generated', 1 + 2 + 5]);
    await client.close();
  });
});

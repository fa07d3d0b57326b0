// Text (and vocabulary strings in tokens) outside a token model's vocabulary (issue 9, finding
// 10): refused naming every unknown character with its position (up to a few), or, when the
// request says `unknown: "drop"`, left out, or with `unknown: "replace"`, replaced by the
// package's unk_token (refused clearly when it has none). Every route that takes text, and the
// stream; the same ids as if the client had sent the cleaned text itself.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadModelPackage } from '../../src/model/package-loader.js';
import { assertError, buildTestApp } from '../helpers/app.js';
import { writeRandomPackage } from '../helpers/model-files.js';
import { StreamClient, listenForStreams } from '../helpers/stream-client.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const VOCAB = ['h', 'e', 'l', 'o', ' ', '?'];
const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-unknown-'));
writeRandomPackage(dir, 'chars', { architecture: 'gru', input_size: 3, hidden_size: 4, output_size: VOCAB.length, vocab: VOCAB }, 5);
writeRandomPackage(dir, 'chars_unk', { architecture: 'gru', input_size: 3, hidden_size: 4, output_size: VOCAB.length, vocab: VOCAB, unk_token: '?' }, 5);
writeRandomPackage(dir, 'bad_unk', { architecture: 'gru', input_size: 3, hidden_size: 4, output_size: VOCAB.length, vocab: VOCAB, unk_token: '#' }, 5);
const app = await buildTestApp({ MODELS_DIR: dir });
const base = await listenForStreams(app);
after(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

const post = (url: string, payload: Json) => app.inject({ method: 'POST', url, payload });
async function ok(url: string, payload: Json): Promise<Json> {
  const response = await post(url, payload);
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}
async function session(model: string): Promise<string> {
  const response = await post('/v1/sessions', { model });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().session_id as string;
}

// Three unknown characters, one outside the BMP (one element, as text is split by code point).
const DIRTY = 'hä llo😀 o€';
const DROPPED = 'h llo o';
const REPLACED = 'h? llo? o?';

describe('unknown characters in text', () => {
  it('are all named with their positions by default (unknown: "error"), on predict, batch, steps and generate', async () => {
    const message = /text has 3 characters outside the vocabulary of model 'chars': "ä" at 1, "😀" at 6, "€" at 9/;
    assertError(await post('/v1/models/chars/predict', { text: DIRTY }), 400, 'INVALID_INPUT', message);
    assertError(await post('/v1/models/chars/predict', { text: DIRTY, unknown: 'error' }), 400, 'INVALID_INPUT', message);
    assertError(
      await post('/v1/models/chars/predict', { sequences: [{ text: 'hello' }, { text: DIRTY }] }),
      400,
      'INVALID_INPUT',
      /sequences\[1\]\.text has 3 characters/,
    );
    const id = await session('chars');
    assertError(await post(`/v1/sessions/${id}/steps`, { text: DIRTY }), 400, 'INVALID_INPUT', message);
    assertError(await post('/v1/models/chars/generate', { text: DIRTY, max_tokens: 2 }), 400, 'INVALID_INPUT', message);
    assertError(await post(`/v1/sessions/${id}/generate`, { text: DIRTY, max_tokens: 2 }), 400, 'INVALID_INPUT', message);
    assert.equal((await app.inject(`/v1/sessions/${id}`)).json().t, 0, 'nothing was applied');
  });

  it('names at most five, and says how many more', async () => {
    const response = await post('/v1/models/chars/predict', { text: 'h1234567' });
    assertError(response, 400, 'INVALID_INPUT', /7 characters outside.*"1" at 1, "2" at 2, "3" at 3, "4" at 4, "5" at 5 and 2 more/);
  });

  it('unknown: "drop" leaves them out: the same outputs as the clean text', async () => {
    const dropped = await ok('/v1/models/chars/predict', { text: DIRTY, unknown: 'drop' });
    assert.deepEqual(dropped, await ok('/v1/models/chars/predict', { text: DROPPED }));
    const batch = await ok('/v1/models/chars/predict', { sequences: [{ text: DIRTY, unknown: 'drop' }] });
    assert.deepEqual(batch.results[0].outputs, dropped.outputs);
    const id = await session('chars');
    const step = await ok(`/v1/sessions/${id}/steps`, { text: DIRTY, unknown: 'drop' });
    assert.equal(step.t, DROPPED.length);
    const generated = await ok('/v1/models/chars/generate', { text: DIRTY, unknown: 'drop', max_tokens: 3, seed: 1 });
    assert.deepEqual(generated.tokens, (await ok('/v1/models/chars/generate', { text: DROPPED, max_tokens: 3, seed: 1 })).tokens);
    assertError(await post('/v1/models/chars/predict', { text: 'äö', unknown: 'drop' }), 400, 'INVALID_INPUT', /empty once its 2 unknown characters are dropped/);
  });

  it('unknown: "replace" puts the package unk_token in their place, and is refused when there is none', async () => {
    const replaced = await ok('/v1/models/chars_unk/predict', { text: DIRTY, unknown: 'replace' });
    assert.deepEqual(replaced, await ok('/v1/models/chars_unk/predict', { text: REPLACED }));
    const id = await session('chars_unk');
    assert.equal((await ok(`/v1/sessions/${id}/steps`, { text: DIRTY, unknown: 'replace' })).t, REPLACED.length);
    assertError(await post('/v1/models/chars/predict', { text: DIRTY, unknown: 'replace' }), 400, 'INVALID_INPUT', /model 'chars' has no unk_token/);
    assertError(await post('/v1/models/chars/predict', { text: 'he', unknown: 'skip' }), 400, 'INVALID_INPUT', /unknown/);
  });

  it('applies to vocabulary strings in tokens too (ids out of range stay errors)', async () => {
    assertError(await post('/v1/models/chars/predict', { tokens: ['h', 'x', 0, 'y'] }), 400, 'INVALID_INPUT', /tokens has 2 entries outside the vocabulary.*"x" at 1, "y" at 3/);
    const dropped = await ok('/v1/models/chars/predict', { tokens: ['h', 'x', 0, 'y'], unknown: 'drop' });
    assert.equal(dropped.outputs.length, 2);
    assertError(await post('/v1/models/chars/predict', { tokens: [99], unknown: 'drop' }), 400, 'INVALID_INPUT', /tokens\[0\]/);
    // A long unknown string is named, not echoed whole.
    const long = await post('/v1/models/chars/predict', { tokens: ['h', 'z'.repeat(100_000)] });
    assertError(long, 400, 'INVALID_INPUT', /tokens\[1\] "z{40}…" is not in the vocabulary/);
    assert.ok(long.body.length < 400, `${long.body.length} bytes`);
  });

  it('a package whose unk_token is not in its vocab fails to load', async () => {
    await assert.rejects(loadModelPackage(join(dir, 'bad_unk')), /unk_token "#" is not in vocab/);
  });

  it('over a stream: text and generate messages take unknown too', async () => {
    const client = await StreamClient.open(`${base}/v1/models/chars/stream`);
    await client.json();
    client.sendJson({ text: DIRTY, id: 1 });
    let reply = await client.json();
    assert.deepEqual([reply.type, reply.code, reply.id], ['error', 'INVALID_INPUT', 1]);
    assert.match(String(reply.message), /"ä" at 1, "😀" at 6, "€" at 9/);
    client.sendJson({ text: DIRTY, unknown: 'drop', id: 2 });
    reply = await client.json();
    assert.deepEqual([reply.type, reply.t, reply.id], ['outputs', DROPPED.length, 2]);
    client.sendJson({ type: 'generate', text: DIRTY, unknown: 'drop', max_tokens: 1, id: 3 });
    reply = await client.json();
    assert.equal(reply.type, 'token');
    reply = await client.json();
    assert.deepEqual([reply.type, reply.t], ['generated', 2 * DROPPED.length + 1]);
    await client.close();
  });
});

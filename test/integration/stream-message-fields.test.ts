// Unknown fields in a stream message are refused, not ignored (issue 9, finding 11): a typo such
// as "expectd_t" would otherwise silently drop a guard. The error frame names every unknown
// field (with the message's id); the connection and the session stay as they were.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { parseTextFrame, type StreamCommand } from '../../src/stream/messages.js';
import { buildTestApp } from '../helpers/app.js';
import { bundledModelsOnly } from '../helpers/bundled-models.js';
import { StreamClient, listenForStreams } from '../helpers/stream-client.js';

function refusal(command: StreamCommand): string {
  assert.equal(command.kind, 'refused', JSON.stringify(command));
  return (command as { error: Error }).error.message;
}

describe('parseTextFrame refuses unknown fields', () => {
  it('in every kind of message, naming each unknown field and what the message takes', () => {
    assert.match(refusal(parseTextFrame('{"x":[1],"expectd_t":3}', false)), /unknown field "expectd_t".*takes.*expected_t/);
    assert.match(refusal(parseTextFrame('{"inputs":[[1]],"a":1,"b":2}', false)), /unknown fields "a", "b"/);
    assert.match(refusal(parseTextFrame('{"type":"reset","state":null,"hard":true}', false)), /unknown field "hard" in a reset message/);
    assert.match(refusal(parseTextFrame('{"type":"state","verbose":1}', false)), /unknown field "verbose" in a state message/);
    assert.match(refusal(parseTextFrame('{"type":"generate","text":"h","max_token":3}', true)), /unknown field "max_token" in a generate message/);
    // The id is still echoed, so the client knows which message was refused.
    assert.equal(parseTextFrame('{"x":[1],"id":"q","extra":0}', false).id, '"q"');
    // A long field name is named, not echoed whole.
    const long = refusal(parseTextFrame(JSON.stringify({ x: [1], ['f'.repeat(100_000)]: 1 }), false));
    assert.match(long, /unknown field "f{40}…"/);
    assert.ok(long.length < 300, `${long.length} characters`);
  });

  it('accepts every documented field', () => {
    assert.equal(parseTextFrame('{"x":[1],"id":1,"expected_t":0}', false).kind, 'element');
    assert.equal(parseTextFrame('{"text":"h","id":1,"expected_t":0,"unknown":"drop"}', true).kind, 'sequence');
    assert.equal(parseTextFrame('{"type":"reset","id":1,"state":null}', false).kind, 'reset');
    assert.equal(parseTextFrame('{"type":"state","id":1}', false).kind, 'state');
    const generate = '{"type":"generate","id":1,"text":"h","max_tokens":2,"temperature":0,"top_k":1,"top_p":1,"seed":1,"stop":["."],"expected_t":0,"unknown":"error"}';
    assert.equal(parseTextFrame(generate, true).kind, 'generate');
  });
});

describe('a stream refuses a message with an unknown field', () => {
  it('with an error frame; the stream and the session go on as they were', async (t) => {
    const bundled = bundledModelsOnly();
    const app = await buildTestApp({ MODELS_DIR: bundled.dir });
    t.after(async () => {
      await app.close();
      bundled.cleanup();
    });
    const client = await StreamClient.open(`${await listenForStreams(app)}/v1/models/kjv-char-gru/stream`);
    after(() => client.close());
    await client.json();
    client.sendJson({ text: 'In', id: 'a', expectd_t: 5 });
    const reply = await client.json();
    assert.deepEqual([reply.type, reply.code, reply.id], ['error', 'INVALID_INPUT', 'a']);
    assert.match(String(reply.message), /unknown field "expectd_t"/);
    client.sendJson({ text: 'In', id: 'b' });
    const next = await client.json();
    assert.deepEqual([next.type, next.t, next.id], ['outputs', 2, 'b'], 'nothing was applied by the refused message');
    await client.close();
  });
});

// The stream's message codec on its own: frames parsed into commands (envelope errors named),
// and replies encoded as valid JSON with the same numbers JSON.stringify prints.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBinaryFrame, parseTextFrame, type StreamCommand } from '../../src/stream/messages.js';
import { binaryFrame, textFrame } from '../../src/stream/frames.js';
import { binaryReply, errorReply, outputFrame, outputReply, outputsReply, resetReply, stateReply } from '../../src/stream/replies.js';
import { stateToJson } from '../../src/codec/outputs.js';

function refusal(command: StreamCommand): string {
  assert.equal(command.kind, 'refused', JSON.stringify(command));
  return (command as { error: Error }).error.message;
}

describe('parseTextFrame', () => {
  it('reads elements, sequences, resets and state requests with their id and expected_t', () => {
    assert.deepEqual(parseTextFrame('{"x":[1,2],"id":"a","expected_t":4}', false), {
      kind: 'element',
      id: '"a"',
      input: { inputs: [[1, 2]], expectedT: 4 },
      x: [1, 2],
      expectedT: 4,
    });
    assert.deepEqual(parseTextFrame('{"x":"h","id":7}', true), {
      kind: 'element',
      id: '7',
      input: { tokens: ['h'], expectedT: undefined },
      x: 'h',
      expectedT: undefined,
    });
    assert.deepEqual(parseTextFrame('{"inputs":[[1]]}', false), { kind: 'sequence', id: undefined, input: { inputs: [[1]], expectedT: undefined } });
    assert.deepEqual(parseTextFrame('{"text":"hi"}', true), { kind: 'sequence', id: undefined, input: { text: 'hi', expectedT: undefined } });
    assert.deepEqual(parseTextFrame('{"type":"reset","state":{"h":[[0]]}}', false), { kind: 'reset', id: undefined, state: { h: [[0]] } });
    assert.deepEqual(parseTextFrame('{"type":"state","id":"s"}', false), { kind: 'state', id: '"s"' });
  });

  it('refuses what is not a message, naming what is wrong', () => {
    assert.equal(refusal(parseTextFrame('nope', false)), 'the message is not valid JSON');
    assert.match(refusal(parseTextFrame('[1]', false)), /must be a JSON object/);
    assert.match(refusal(parseTextFrame('null', false)), /must be a JSON object/);
    assert.match(refusal(parseTextFrame('{}', false)), /exactly one of x, inputs, tokens or text.*none was given/);
    assert.match(refusal(parseTextFrame('{"x":[1],"text":"a"}', false)), /it has x and text/);
    assert.match(refusal(parseTextFrame('{"type":"step"}', false)), /type "step" is not one of reset, state/);
    assert.match(refusal(parseTextFrame('{"type":"state","x":[1]}', false)), /a state message takes no x/);
    assert.match(refusal(parseTextFrame('{"x":[1],"expected_t":1.5}', false)), /expected_t must be a non-negative integer/);
    assert.match(refusal(parseTextFrame('{"x":[1],"id":[1]}', false)), /id must be a string or a finite number/);
    const withId = parseTextFrame('{"x":[1],"expected_t":"3","id":"k"}', false);
    assert.equal(withId.id, '"k"', 'a refusal keeps the id when it could be read');
  });
});

describe('parseBinaryFrame', () => {
  it('reads little-endian float32 rows from any byte offset', () => {
    const bytes = Buffer.alloc(1 + 4 * 4);
    [1.5, -2, 0.25, 8].forEach((v, i) => bytes.writeFloatLE(v, 1 + 4 * i));
    const command = parseBinaryFrame(bytes.subarray(1), 2, false);
    assert.equal(command.kind, 'binary');
    assert.deepEqual(Array.from((command as { values: Float32Array }).values), [1.5, -2, 0.25, 8]);
  });

  it('refuses empty and ragged frames, and any binary frame for a token model', () => {
    assert.match(refusal(parseBinaryFrame(Buffer.alloc(0), 2, false)), /0 bytes is not a positive whole number of rows of 2 float32 values \(8 bytes each\)/);
    assert.match(refusal(parseBinaryFrame(Buffer.alloc(12), 2, false)), /12 bytes/);
    assert.match(refusal(parseBinaryFrame(Buffer.alloc(8), 2, true)), /this model takes tokens or text/);
  });
});

describe('replies', () => {
  const values = Float32Array.from([0.1, -1 / 3, 1e-8, 123456.789, 0]);

  it('print every value as the shortest decimal that reads back as the same float32', () => {
    const reply = JSON.parse(outputReply(3, values, '"a"')) as { y: number[] };
    assert.deepEqual({ ...reply, y: reply.y.map(Math.fround) }, { type: 'output', t: 3, y: Array.from(values), id: 'a' });
    assert.equal(outputReply(3, values, undefined), '{"type":"output","t":3,"y":[0.1,-0.33333334,1e-8,123456.79,0]}');
  });

  it('split outputs into rows, and print non-finite values as null', () => {
    const rows = Float32Array.from([1, 2, 3, Number.NaN, Number.POSITIVE_INFINITY, 6]);
    assert.equal(outputsReply(2, rows, 2, 3, '5'), '{"type":"outputs","t":2,"outputs":[[1,2,3],[null,null,6]],"id":5}');
  });

  it('encode state, reset and error messages as valid JSON, escaping text', () => {
    const state = stateToJson({ architecture: 'lstm', numLayers: 1, hiddenSize: 2 }, Float32Array.from([0.5, 0.1, -0, 2]));
    assert.equal(stateReply(4, state, undefined), '{"type":"state","t":4,"state":{"h":[[0.5,0.1]],"c":[[-0,2]]}}');
    assert.deepEqual(JSON.parse(resetReply(0, '"r"')), { type: 'reset', t: 0, id: 'r' });
    assert.deepEqual(JSON.parse(errorReply('INVALID_INPUT', 'x "q" is \\ odd', '"e\\"1"')), {
      type: 'error',
      code: 'INVALID_INPUT',
      message: 'x "q" is \\ odd',
      id: 'e"1',
    });
  });

  it('send binary outputs as a frame of the little-endian bytes of the float32 values', () => {
    const frame = binaryReply(Float32Array.from([1.5, -2]));
    assert.deepEqual([frame[0], frame[1]], [0x82, 8], 'a final binary frame of 8 bytes');
    assert.equal(frame.readFloatLE(2), 1.5);
    assert.equal(frame.readFloatLE(6), -2);
    const row = Float32Array.from({ length: 300 }, (_, i) => i / 7);
    assert.deepEqual(binaryReply(row.subarray(100, 200)), binaryFrame(new Uint8Array(row.buffer, 400, 400)), 'a row inside a larger array');
  });

  it('build the output frame with the bytes of outputReply framed as text, whatever the values, t and id', () => {
    const random = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const next = random(7);
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    const special = [0, -0, Number.NaN, Infinity, -Infinity, 1e-45, -3.4028234663852886e38, 123456790000000000000, 1e-7, 0.1];
    const ts = [0, 1, 9, 10, 99, 100, 65535, 2 ** 31, Number.MAX_SAFE_INTEGER];
    const ids = [undefined, '"a"', '7', '-1.5', '"日本 \\"q\\""', '"é"', JSON.stringify('x'.repeat(200))];
    let cases = 0;
    for (const n of [0, 1, 5, 128, 6000]) {
      for (let round = 0; round < 4; round++) {
        const values = Float32Array.from({ length: n }, (_, i) => {
          if (round === 0) return special[i % special.length]!;
          bits[0] = Math.floor(next() * 2 ** 32); // any bit pattern, NaNs included
          return round === 1 ? asFloat[0]! : Math.fround((next() - 0.5) * 10 ** Math.floor(next() * 8 - 4));
        });
        for (const t of ts) {
          const id = ids[cases++ % ids.length];
          assert.deepEqual(outputFrame(t, values, id), textFrame(outputReply(t, values, id)), `n ${n}, round ${round}, t ${t}, id ${id}`);
        }
      }
    }
    // 6000 values need the 64-bit length header; a long id grows the scratch buffer.
    const long = JSON.stringify('ü'.repeat(40_000));
    const values = Float32Array.from([1, 2]);
    assert.deepEqual(outputFrame(3, values, long), textFrame(outputReply(3, values, long)));
  });
});

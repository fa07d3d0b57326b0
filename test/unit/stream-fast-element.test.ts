// {"x":[...]} frames, with or without expected_t, read natively (src/stream/fast-element.ts,
// native/json-vector.cc) must give the float32 values (and the expected_t) that JSON.parse and
// the input codec give, bit for bit, for every way a client may write them; and every frame of
// another shape, or outside strict JSON, or with a value the full path refuses, must be left to
// that path (undefined), so its answer stays as it was.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSequence } from '../../src/codec/inputs.js';
import type { ServedModel } from '../../src/service/served-model.js';
import { fastElementParsing, parseFastElement } from '../../src/stream/fast-element.js';
import { parseTextFrame, type StreamCommand } from '../../src/stream/messages.js';

const INPUT_SIZE = 4;
const model = { name: 'm', inputSize: INPUT_SIZE, vocabIndex: undefined, inputNormalization: undefined } as unknown as ServedModel;
const limits = { maxSequenceLength: 1000 };

/** What a path makes of the frame: the decoded float32 row and expected_t, or the error it answers. */
function decoded(command: StreamCommand): { x: Float32Array; expectedT: number | undefined } | string {
  if (command.kind === 'refused') return command.error.message;
  if (command.kind !== 'element') return `a ${command.kind} command`;
  // Outside the try: a mismatch must fail the test, not pass for a refusal's message.
  assert.equal(command.input.expectedT, command.expectedT, "the step input carries the command's expected_t");
  try {
    return { x: decodeSequence(model, command.input, limits).x, expectedT: command.expectedT };
  } catch (error) {
    return (error as Error).message;
  }
}
const viaFullPath = (frame: string) => decoded(parseTextFrame(frame, false));

const bitsOf = (values: Float32Array): number[] => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

function seeded(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
}

/** Four numbers written in one of the ways clients write them. */
function writtenNumbers(next: () => number, style: number): string[] {
  return Array.from({ length: INPUT_SIZE }, () => {
    const magnitude = 10 ** Math.floor(next() * 24 - 12);
    const v = (next() - 0.5) * magnitude;
    switch (style % 7) {
      case 0:
        return JSON.stringify(v); // a double's shortest form, 17 digits
      case 1:
        return JSON.stringify(Math.fround(v)); // what Array.from(Float32Array) prints
      case 2:
        return v.toExponential(Math.floor(next() * 12)).replace('e', next() < 0.5 ? 'E' : 'e');
      case 3:
        return v.toFixed(Math.floor(next() * 10));
      case 4:
        return String(Math.round(v)); // integers, -0 among them
      case 5:
        return (next() - 0.5).toPrecision(30); // more digits than a double holds
      default:
        return `${Math.floor(next() * 9) + 1}e${next() < 0.5 ? '-' : '+'}${Math.floor(next() * 45)}`; // subnormal and large floats
    }
  });
}

describe('{"x"} frames read natively', () => {
  it('give the float32 values of JSON.parse and the input codec, and its expected_t, for any way of writing them', () => {
    const next = seeded(11);
    const spacing = ['', ' ', '\n', '\t ', '\r\n  '];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const s = spacing[i % spacing.length]!;
      const x = `"x"${s}:${s}[${s}${writtenNumbers(next, i).join(`${s},${s}`)}${s}]`;
      // No expected_t, or one after or before x (as the clients in clients/ send it).
      const expectedT = `"expected_t"${s}:${s}${Math.floor(next() * 10 ** Math.floor(next() * 16))}`;
      const members = [[x], [x, expectedT], [expectedT, x]][i % 3]!;
      const frame = `${s}{${s}${members.join(`${s},${s}`)}${s}}${s}`;
      const full = viaFullPath(frame);
      const fast = parseFastElement(Buffer.from(frame), model);
      if (typeof full === 'string') {
        assert.equal(fast, undefined, `${frame}: the full path answers "${full}", so the fast path must leave it`);
        continue;
      }
      if (!fastElementParsing) {
        assert.equal(fast, undefined, 'without the addon every frame takes the full path');
        continue;
      }
      // Decimals out of a double's range (1e-320) are left to the full path too; all others are read.
      if (fast === undefined) {
        assert.ok(/e-3[2-9]\d|e-4\d/i.test(frame), `${frame} should have been read natively`);
        continue;
      }
      const read = decoded(fast);
      assert.ok(typeof read !== 'string', `${frame}: ${String(read)}`);
      assert.deepEqual(bitsOf(read.x), bitsOf(full.x), frame);
      assert.equal(read.expectedT, full.expectedT, frame);
      accepted++;
    }
    if (fastElementParsing) assert.ok(accepted > 2000, `only ${accepted} of 3000 frames were read natively`);
  });

  it('leave every other frame to the full path', () => {
    const others = [
      '{"x":[1,2,3]}', // not the model's input_size
      '{"x":[1,2,3,4,5]}',
      '{"x":[]}',
      '{"x":[[1,2,3,4]]}',
      '{"x":[1,2,3,4],"id":1}',
      '{"id":"a","x":[1,2,3,4]}',
      '{"x":[1,2,3,4],"expected_t":-1}',
      '{"x":[1,2,3,4],"expected_t":3.0}',
      '{"x":[1,2,3,4],"expected_t":3e0}',
      '{"x":[1,2,3,4],"expected_t":03}',
      '{"x":[1,2,3,4],"expected_t":"3"}',
      '{"x":[1,2,3,4],"expected_t":null}',
      '{"x":[1,2,3,4],"expected_t":1234567890123456}',
      '{"x":[1,2,3,4],"expected_t":1,"expected_t":2}',
      '{"expected_t":1}',
      '{"x":[1,2,3,4],}',
      '{,"x":[1,2,3,4]}',
      '{"x":[1,2,3,4],"x":[1,2,3,4]}',
      '{"\\u0078":[1,2,3,4]}',
      '{"X":[1,2,3,4]}',
      '{"xx":[1,2,3,4]}',
      '{"inputs":[[1,2,3,4]]}',
      '{"x":[01,2,3,4]}',
      '{"x":[1.,2,3,4]}',
      '{"x":[.5,2,3,4]}',
      '{"x":[+1,2,3,4]}',
      '{"x":[1,2,3,4,]}',
      '{"x":[1,,3,4]}',
      '{"x":[1 2,3,4]}',
      '{"x":[1e,2,3,4]}',
      '{"x":[1e+,2,3,4]}',
      '{"x":[-,2,3,4]}',
      '{"x":[NaN,2,3,4]}',
      '{"x":[Infinity,2,3,4]}',
      '{"x":[1e39,2,3,4]}',
      '{"x":[-3.5e38,2,3,4]}',
      '{"x":[1e400,2,3,4]}',
      '{"x":["1",2,3,4]}',
      '{"x":[true,2,3,4]}',
      '{"x":[null,2,3,4]}',
      '{"x":[0x10,2,3,4]}',
      '{"x":[1,2,3,4]}x',
      '{"x":[1,2,3,4]',
      '{"x":[1,2,3,4]}}',
      '\ufeff{"x":[1,2,3,4]}',
      '\u00a0{"x":[1,2,3,4]}',
      '[1,2,3,4]',
      '{"type":"state"}',
      '',
    ];
    for (const frame of others) {
      assert.equal(parseFastElement(Buffer.from(frame), model), undefined, frame);
    }
    // The same frame for a model that normalizes its inputs, or takes tokens: the full path.
    const plain = Buffer.from('{"x":[1,2,3,4]}');
    assert.equal(parseFastElement(plain, { ...model, inputNormalization: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } } as unknown as ServedModel), undefined);
    assert.equal(parseFastElement(plain, { ...model, vocabIndex: new Map() } as unknown as ServedModel), undefined);
    // And the plain frame itself is read (when the addon is there): the list above fails for its reasons.
    assert.equal(parseFastElement(plain, model) !== undefined, fastElementParsing);
    const withT = parseFastElement(Buffer.from('{"x":[1,2,3,4], "expected_t": 123456789012345}'), model);
    assert.deepEqual(withT === undefined ? undefined : [withT.kind, (withT as { expectedT?: number }).expectedT], fastElementParsing ? ['element', 123456789012345] : undefined);
  });
});

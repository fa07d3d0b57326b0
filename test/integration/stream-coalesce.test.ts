// Pipelined single elements waiting together run as one step, answered one reply per message as
// if they had run alone; a refused merged step is replayed message by message, so errors land
// where they belong. The gated scheduler holds the first step so the rest pile up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MERGED_ELEMENTS, mergeableCount } from '../../src/stream/coalesce.js';
import { parseBinaryFrame, parseTextFrame } from '../../src/stream/messages.js';
import { buildTestApp } from '../helpers/app.js';
import { assertClose } from '../helpers/fixtures.js';
import { GatedScheduler } from '../helpers/gated-scheduler.js';
import { StreamClient, eventually, listenForStreams } from '../helpers/stream-client.js';

const text = (message: unknown) => ({ command: parseTextFrame(JSON.stringify(message), false) });
const binary = (values: number[]) => ({ command: parseBinaryFrame(Buffer.from(Float32Array.from(values).buffer), 2, false) });

describe('mergeableCount', () => {
  it('takes consecutive elements, or consecutive binary frames, and nothing else', () => {
    assert.equal(mergeableCount([text({ x: [1, 2] }), text({ x: [3, 4] }), text({ inputs: [[5, 6]] }), text({ x: [7, 8] })], 2), 2);
    assert.equal(mergeableCount([text({ inputs: [[1, 2]] }), text({ x: [3, 4] })], 2), 1);
    assert.equal(mergeableCount([text({ type: 'state' }), text({ x: [3, 4] })], 2), 1);
    assert.equal(mergeableCount([binary([1, 2, 3, 4]), binary([5, 6]), text({ x: [7, 8] })], 2), 2);
    assert.equal(mergeableCount([text({ x: [1, 2] }), binary([5, 6])], 2), 1);
    assert.equal(mergeableCount([text('not an object'), text({ x: [1, 2] })], 2), 1);
  });

  it('keeps expected_t only where it is the first one plus the offset', () => {
    const run = [text({ x: [1], expected_t: 4 }), text({ x: [1], expected_t: 5 }), text({ x: [1] }), text({ x: [1], expected_t: 9 })];
    assert.equal(mergeableCount(run, 1), 3);
    assert.equal(mergeableCount([text({ x: [1] }), text({ x: [1], expected_t: 1 })], 1), 1);
  });

  it(`stops at ${MAX_MERGED_ELEMENTS} elements`, () => {
    const many = Array.from({ length: MAX_MERGED_ELEMENTS + 10 }, () => text({ x: [1] }));
    assert.equal(mergeableCount(many, 1), MAX_MERGED_ELEMENTS);
    const frames = Array.from({ length: 3 }, () => binary(new Array<number>(2 * 100).fill(1)));
    assert.equal(mergeableCount(frames, 2), 2, '100 + 100 rows fit, a third frame would make 300');
  });
});

async function gatedStream(t: { after: (fn: () => Promise<void>) => void }, model: string) {
  const gate = new GatedScheduler();
  const app = await buildTestApp({}, { createScheduler: gate.create });
  t.after(() => app.close());
  const client = await StreamClient.open(`${await listenForStreams(app)}/v1/models/${model}/stream`);
  await client.json();
  return { gate, app, client };
}

const row = (i: number) => [Math.sin(i), Math.cos(0.7 * i), (i % 5) / 5 - 0.4];

describe('merged steps on a stream', () => {
  it('pipelined elements run as one step and get one output each, with their t and id', async (t) => {
    const { gate, app, client } = await gatedStream(t, 'lstm');
    const inputs = Array.from({ length: 41 }, (_, i) => row(i));
    inputs.forEach((x, i) => client.sendJson({ x, id: i }));
    await eventually(() => app.streams.pendingFrames === 41, 'all 41 frames are pending');
    gate.release();
    const outputs: number[][] = [];
    for (let i = 0; i < inputs.length; i++) {
      const reply = await client.json();
      assert.deepEqual([reply.type, reply.t, reply.id], ['output', i + 1, i]);
      outputs.push(reply.y as number[]);
    }
    assert.deepEqual(gate.runs, [1, 40], 'the first element ran alone, the 40 that waited ran as one step');
    const whole = await app.inject({ method: 'POST', url: '/v1/models/lstm/predict', payload: { inputs } });
    assertClose(outputs.flat(), (whole.json().outputs as number[][]).flat(), { abs: 1e-6, rel: 1e-5 }, 'merged vs whole sequence');
    await client.close();
  });

  it('binary frames merge too, each answered with its own rows', async (t) => {
    const { gate, app, client } = await gatedStream(t, 'gru');
    const frames = [[row(0)], [row(1), row(2)], [row(3)], [row(4), row(5), row(6)]];
    for (const frame of frames) client.sendFloats(frame.flat());
    await eventually(() => app.streams.pendingFrames === frames.length, 'the frames are pending');
    gate.release();
    const got: number[] = [];
    for (const frame of frames) {
      const values = await client.floats();
      assert.equal(values.length, frame.length * 2, 'one output row per input row of that frame');
      got.push(...values);
    }
    assert.deepEqual(gate.runs, [1, 6]);
    const whole = await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: frames.flat() } });
    assertClose(got, (whole.json().outputs as number[][]).flat(), { abs: 1e-6, rel: 1e-5 }, 'merged binary vs whole sequence');
    await client.close();
  });

  it('a refused merged step is replayed one message at a time: the error lands on the bad message only', async (t) => {
    const { gate, app, client } = await gatedStream(t, 'lstm');
    for (let i = 0; i < 11; i++) client.sendJson({ x: i === 5 ? [1, 2] : row(i), id: i });
    await eventually(() => app.streams.pendingFrames === 11, 'the frames are pending');
    gate.release();
    let steps = 0;
    for (let i = 0; i < 11; i++) {
      const reply = await client.json();
      assert.equal(reply.id, i);
      if (i === 5) {
        assert.deepEqual([reply.type, reply.message], ['error', "x has 2 values, model 'lstm' expects 3"]);
      } else {
        assert.deepEqual([reply.type, reply.t], ['output', ++steps]);
      }
    }
    assert.deepEqual(gate.runs, new Array<number>(10).fill(1), 'after the refusal every message ran alone');
    await client.close();
  });

  it('expected_t is checked for every merged message at its own position', async (t) => {
    const { gate, app, client } = await gatedStream(t, 'rnn_tanh');
    client.sendJson({ x: row(0), expected_t: 0 });
    client.sendJson({ x: row(1), expected_t: 1 });
    client.sendJson({ x: row(2), expected_t: 2 });
    client.sendJson({ x: row(3), expected_t: 2, id: 'stale' });
    client.sendJson({ x: row(4) });
    await eventually(() => app.streams.pendingFrames === 5, 'the frames are pending');
    gate.release();
    assert.equal((await client.json()).t, 1);
    assert.equal((await client.json()).t, 2);
    assert.equal((await client.json()).t, 3);
    const stale = await client.json();
    assert.deepEqual([stale.code, stale.id], ['SEQUENCE_CONFLICT', 'stale']);
    assert.equal((await client.json()).t, 4);
    assert.deepEqual(gate.runs, [1, 2, 1]);
    await client.close();
  });
});

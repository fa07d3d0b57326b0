// Streams under abuse and at the edges: oversized frames and runs of garbage close with 1008;
// a client that stops reading is closed as a slow consumer with the server's buffer bounded; the
// server stops reading a client that queues too much; a peer that answers no ping is dropped and
// its session released; shutdown answers what was accepted, then closes with 1001.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { GatedScheduler } from '../helpers/gated-scheduler.js';
import { StreamClient, eventually, listenForStreams } from '../helpers/stream-client.js';

async function startApp(t: { after: (fn: () => Promise<void>) => void }, env: Record<string, string> = {}, gate?: GatedScheduler) {
  const app = await buildTestApp(env, gate === undefined ? {} : { createScheduler: gate.create });
  t.after(() => app.close());
  return { app, base: await listenForStreams(app) };
}

async function sessionExists(app: FastifyInstance, id: string): Promise<boolean> {
  return (await app.inject(`/v1/sessions/${id}`)).statusCode === 200;
}

describe('limits that close the stream with 1008', () => {
  it('a frame over BODY_LIMIT_BYTES closes the stream with 1008; its session is released', async (t) => {
    const { app, base } = await startApp(t, { BODY_LIMIT_BYTES: '1024' });
    const client = await StreamClient.open(`${base}/v1/models/lstm/stream`);
    const id = String((await client.json()).session_id);
    const rows = (n: number) => Array.from({ length: n }, () => [0.125, 0.25, 0.5]);
    client.sendJson({ inputs: rows(40) }); // about 800 bytes: accepted
    assert.equal((await client.json()).t, 40);
    client.sendJson({ inputs: rows(100) }); // about 2000 bytes
    assert.deepEqual(await client.closed, { code: 1008, reason: 'frame larger than 1024 bytes (BODY_LIMIT_BYTES)' });
    await eventually(() => app.streams.size === 0, 'the stream is released');
    assert.equal(await sessionExists(app, id), false);
  });

  it('16 invalid messages in a row get 16 error frames, then the stream closes with 1008', async (t) => {
    const { base } = await startApp(t);
    const client = await StreamClient.open(`${base}/v1/models/gru/stream`);
    await client.json();
    for (let i = 0; i < 20; i++) client.socket.send(`garbage ${i}`);
    for (let i = 0; i < 16; i++) {
      assert.deepEqual(await client.json(), { type: 'error', code: 'INVALID_INPUT', message: 'the message is not valid JSON' });
    }
    assert.deepEqual(await client.closed, { code: 1008, reason: '16 invalid messages in a row' });
  });

  it('a client that stops reading is closed as a slow consumer, with the unread replies bounded', async (t) => {
    const limit = 65_536;
    const { app, base } = await startApp(t, { STREAM_MAX_BUFFERED_BYTES: String(limit), STREAM_SEND_TIMEOUT_MS: '100' });
    const socket = new WebSocket(`${base}/v1/models/lstm/stream`);
    let receivedBytes = 0;
    socket.on('message', (data: Buffer) => (receivedBytes += data.byteLength));
    const closed = once(socket, 'close');
    await once(socket, 'open');
    // Stop reading: the kernel buffers fill, then the server's own send buffer grows.
    socket.pause();
    const [serverSide] = app.websocketServer.clients;
    assert.ok(serverSide !== undefined);

    // Each reply is about 2000 rows of 2 numbers: ~80 kB. Keep asking until the server gives up.
    const rowsPerFrame = 2000;
    const frame = JSON.stringify({ inputs: Array.from({ length: rowsPerFrame }, (_, i) => [(i % 7) / 7, 0.5, -0.5]) });
    let sent = 0;
    while (serverSide.readyState === WebSocket.OPEN) {
      assert.ok(sent < 1000, 'the server kept serving a client that reads nothing');
      socket.send(frame);
      sent++;
      await sleep(2);
    }
    socket.resume();
    const [code, reason] = (await closed) as [number, Buffer];
    assert.equal(code, 1008);
    const match = /^slow consumer: (\d+) bytes unread after 100 ms \(limit 65536\)$/.exec(reason.toString());
    assert.ok(match !== null, `close reason: ${reason.toString()}`);
    // What the server held: at most the limit plus the one reply that crossed it.
    const largestReply = rowsPerFrame * 2 * 25 + 100;
    assert.ok(Number(match[1]) <= limit + largestReply, `${match[1]} bytes held, limit ${limit} + one reply`);
    assert.ok(receivedBytes > 0, 'the client got the replies that were sent before the close');
    await eventually(() => app.streams.size === 0, 'the stream is released');
  });
});

describe('backpressure on reading', () => {
  it('stops reading a client with 64 frames pending, resumes when they are answered, and answers all in order', async (t) => {
    const gate = new GatedScheduler();
    const { app, base } = await startApp(t, {}, gate);
    const client = await StreamClient.open(`${base}/v1/models/rnn_tanh/stream`);
    await client.json();
    const count = 300;
    for (let i = 0; i < count; i++) client.sendJson({ x: [i / count, 0.5, -0.5], id: i });
    await eventually(() => app.streams.pausedForBacklog === 1, 'the server stops reading the stream');
    assert.ok(app.streams.pendingFrames >= 64);
    gate.release();
    for (let i = 0; i < count; i++) {
      const reply = await client.json();
      assert.equal(reply.id, i);
      assert.equal(reply.t, i + 1);
    }
    assert.equal(app.streams.pausedForBacklog, 0, 'reading resumed');
    await client.close();
  });
});

describe('liveness', () => {
  it('a peer that answers no ping is dropped and its session released; a live one stays', async (t) => {
    const { app, base } = await startApp(t, { STREAM_PING_INTERVAL_MS: '250' });
    const dead = await StreamClient.open(`${base}/v1/models/lstm/stream`, { autoPong: false });
    const live = await StreamClient.open(`${base}/v1/models/lstm/stream`);
    const deadId = String((await dead.json()).session_id);
    await live.json();
    assert.equal((await dead.closed).code, 1006, 'terminated without a close frame');
    await eventually(() => app.streams.size === 1, 'the dead stream is released');
    assert.equal(await sessionExists(app, deadId), false);
    assert.equal(live.socket.readyState, WebSocket.OPEN);
    live.sendJson({ x: [1, 2, 3] });
    assert.equal((await live.json()).t, 1);
    await live.close();
  });
});

describe('shutdown', () => {
  it('answers every frame received before the shutdown, refuses later ones, then closes with 1001', async (t) => {
    const gate = new GatedScheduler();
    const { app, base } = await startApp(t, {}, gate);
    const client = await StreamClient.open(`${base}/v1/models/gru/stream`);
    await client.json();
    for (let i = 0; i < 20; i++) client.sendJson({ x: [i / 20, 0, 1], id: i });
    await eventually(() => app.streams.pendingFrames === 20, 'the server has received the 20 frames');

    const closing = app.close();
    await eventually(() => app.streams.draining, 'the shutdown has begun');
    client.sendJson({ x: [0, 0, 0], id: 'late' });
    await eventually(() => app.streams.pendingFrames === 21, 'the server has received the late frame');
    gate.release();

    for (let i = 0; i < 20; i++) {
      const reply = await client.json();
      assert.deepEqual([reply.type, reply.id, reply.t], ['output', i, i + 1]);
    }
    const late = await client.json();
    assert.deepEqual([late.type, late.code, late.id], ['error', 'SHUTTING_DOWN', 'late']);
    assert.deepEqual(await client.closed, { code: 1001, reason: 'the server is shutting down' });
    await closing;
  });

  it('refuses new upgrades while shutting down, and closing does not wait for the refused client', async (t) => {
    const gate = new GatedScheduler();
    const { app, base } = await startApp(t, {}, gate);
    const client = await StreamClient.open(`${base}/v1/models/gru/stream`);
    await client.json();
    client.sendJson({ x: [0, 0, 0] });
    await eventually(() => app.streams.pendingFrames === 1, 'the frame is pending');
    const closing = app.close();
    await eventually(() => app.streams.draining, 'the shutdown has begun');
    const refused = new WebSocket(`${base}/v1/models/gru/stream`);
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number }];
    assert.equal(response.statusCode, 503);
    gate.release();
    assert.equal((await client.json()).type, 'output');
    assert.equal((await client.closed).code, 1001);
    await closing;
  });
});

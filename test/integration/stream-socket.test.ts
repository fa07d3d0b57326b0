// StreamSocket (src/stream/stream-socket.ts) writes the stream's reply frames on the TCP socket
// beside ws's own Sender: on a real socket they must arrive whole and in order with the frames ws
// still sends (text, pings), several in one writev, and a send after close must fail as ws.send's.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { binaryFrame } from '../../src/stream/frames.js';
import { StreamSocket } from '../../src/stream/stream-socket.js';

describe('StreamSocket.sendMessage on a real socket', () => {
  it('its frames arrive whole and in order among the frames ws sends, several in one writev; after close it fails like ws.send', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, WebSocket: StreamSocket });
    await once(server, 'listening');
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const received: string[] = [];
    let pings = 0;
    client.on('message', (data: Buffer, isBinary: boolean) => received.push(isBinary ? `binary ${data.length} ${data[data.length - 1]}` : `text ${data.toString()}`));
    client.on('ping', () => pings++);
    const [socket] = (await once(server, 'connection')) as [StreamSocket];

    const big = Buffer.alloc(70_000, 7);
    let flushed = 0;
    socket.sendMessage('{"a":1}', () => flushed++);
    socket.send('via ws');
    socket.ping();
    socket.sendMessage(binaryFrame(big), () => flushed++);
    socket.sendMessage('ü', () => flushed++);
    await new Promise<void>((resolve) => client.on('message', () => received.length === 4 && resolve()));
    assert.deepEqual(received, ['text {"a":1}', 'text via ws', 'binary 70000 7', 'text ü']);
    assert.equal(pings, 1);
    assert.equal(flushed, 3, 'every write callback ran');

    // A merged step's replies: one writev for all of them, and still in order.
    const tcp = (socket as unknown as { _socket: { _writev: (...args: unknown[]) => void } })._socket;
    const writev = tcp._writev.bind(tcp);
    const batches: number[] = [];
    tcp._writev = (chunks: unknown, callback: unknown) => {
      batches.push((chunks as unknown[]).length);
      writev(chunks, callback);
    };
    received.length = 0;
    socket.sendMessages(['one', binaryFrame(Buffer.from([1, 2, 3])), 'three'], () => flushed++);
    await new Promise<void>((resolve) => client.on('message', () => received.length === 3 && resolve()));
    assert.deepEqual(received, ['text one', 'binary 3 3', 'text three']);
    assert.deepEqual(batches, [3], 'the three frames went to the kernel as one writev');
    assert.equal(flushed, 6);

    socket.close(1000);
    await once(client, 'close');
    const failure = await new Promise<Error | undefined>((resolve) => socket.sendMessage('late', (error) => resolve(error ?? undefined)));
    assert.match(String(failure), /not open/, 'a send after close reports what ws.send reports');
    server.close();
  });
});

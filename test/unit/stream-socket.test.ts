// StreamSocket writes the stream's replies itself (src/stream/stream-socket.ts): its frames must be
// the bytes `ws` would have sent, at every payload-length boundary of RFC 6455's header, and on a
// real socket they must arrive whole and in order with the frames `ws` still sends (text, pings).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import * as wsModule from 'ws';
import WebSocket, { WebSocketServer } from 'ws';
import { binaryFrame, StreamSocket, textFrame } from '../../src/stream/stream-socket.js';

/** ws's own encoder (what ws.send() writes with compression off), as one buffer. */
// (ws exports Sender; @types/ws does not declare it.)
const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
};
function wsFrame(payload: Buffer, opcode: 1 | 2): Buffer {
  return Buffer.concat(Sender.frame(payload, { fin: true, opcode, mask: false, readOnly: false, rsv1: false }));
}

/** Payload lengths around each header form: 7-bit, 16-bit (126..65535) and 64-bit lengths. */
const LENGTHS = [0, 1, 125, 126, 127, 1000, 65535, 65536, 70000];

describe('StreamSocket frames', () => {
  it('a binary frame is the bytes ws would send, at every length boundary', () => {
    for (const length of LENGTHS) {
      const payload = Buffer.from(Array.from({ length }, (_, i) => (i * 31) & 0xff));
      assert.deepEqual(binaryFrame(payload), wsFrame(payload, 2), `length ${length}`);
    }
  });

  it('a text frame is the bytes ws would send, with the UTF-8 length (not the string length) in its header', () => {
    for (const length of LENGTHS) {
      const text = 'y'.repeat(length);
      assert.deepEqual(textFrame(text), wsFrame(Buffer.from(text), 1), `length ${length}`);
    }
    // 2 and 3 UTF-8 bytes per character: 63 'é' are 126 bytes, a 16-bit length although 63 < 126.
    for (const text of ['é'.repeat(63), '"id":"日本"', '€'.repeat(21_846)]) {
      assert.deepEqual(textFrame(text), wsFrame(Buffer.from(text), 1), text.slice(0, 8));
    }
  });
});

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
    socket.sendMessage(big, () => flushed++);
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
    socket.sendMessages(['one', Buffer.from([1, 2, 3]), 'three'], () => flushed++);
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

// Answering on a raw connection, where no ServerResponse exists or can be trusted: the HTTP
// parser's refusals (client-error-handler.ts), WebSocket handshakes ws refuses and upgrades
// nobody answered (stream/refused-upgrades.ts). Also the one thing Node's HTTP server knows and
// does not expose: the response currently written on a socket.
import type { ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorBody, type PublicError } from './error-handler.js';

/**
 * The response assigned to this socket, if any. `_httpMessage` is the link ServerResponse's
 * assignSocket() sets and Node's own HTTP server reads (its socketOnError checks it before
 * answering a parse error); @fastify/websocket assigns its upgrade responses the same way.
 */
export function assignedResponse(socket: Duplex): ServerResponse | undefined {
  return (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

/** A client that never reads what it is sent cannot hold its socket open longer than this. */
const LINGER_MS = 2_000;

/**
 * Sends what was written, then closes: FIN after the last byte, the descriptor released once it
 * is flushed (or after LINGER_MS, whichever is first). A mock socket (app.inject, injectWS) has
 * no descriptor and is left alone.
 */
export function closeAfterFlush(socket: Duplex): void {
  if (!(socket instanceof Socket) || socket.destroyed) return;
  socket.destroySoon();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/** Writes an error answer in the service's shape straight to the socket, then closes it. */
export function answerAndClose(socket: Duplex, answer: PublicError, headers: Readonly<Record<string, string>> = {}): void {
  if (socket.writable) {
    const body = errorBody(answer);
    const text = JSON.stringify(body);
    const lines = [
      `HTTP/1.1 ${answer.statusCode} ${body.error}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(text)}`,
      'Connection: close',
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n${text}`);
  }
  closeAfterFlush(socket);
}

// HTTP over a plain TCP socket, for what app.inject and fetch cannot send: malformed request
// lines, missing Host headers, oversized headers, bodies trickled byte by byte, WebSocket
// upgrades that are refused. Reads one response and reports whether the server then closed.
import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The parsed body when it is JSON, else undefined. */
  readonly json: Record<string, unknown> | undefined;
}

export interface RawExchange {
  /** The first response, or undefined if the connection closed before one arrived. */
  readonly response: RawResponse | undefined;
  /** Everything the server sent. */
  readonly received: string;
  /** True when the server closed the connection; false when the wait ran out first. */
  readonly closedByServer: boolean;
}

/** The port the app listens on (listening on 127.0.0.1:0 first if it is not). */
export async function listeningPort(app: FastifyInstance): Promise<number> {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the app is not listening on TCP');
  return address.port;
}

/** Parses the first HTTP response in `text`, if a whole one is there. */
export function parseResponse(text: string): RawResponse | undefined {
  const headerEnd = text.indexOf('\r\n\r\n');
  if (headerEnd === -1) return undefined;
  const [statusLine = '', ...headerLines] = text.slice(0, headerEnd).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const bodyBytes = Buffer.from(text.slice(headerEnd + 4), 'latin1');
  if (bodyBytes.length < length) return undefined;
  const body = bodyBytes.subarray(0, length).toString('utf8');
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status, headers, body, json };
}

export interface ExchangeOptions {
  /** How long to wait for the server to close after its answer (default 5 s). */
  readonly closeWithinMs?: number;
  /** Sends the request in pieces: called with the open socket instead of writing `request` at once. */
  readonly write?: (socket: Socket) => void;
}

/**
 * Sends `request` as bytes, collects what comes back and waits for the server to close the
 * connection (never closing it from this side first, which is what a leak needs to show).
 */
export function exchange(port: number, request: string | Buffer, options: ExchangeOptions = {}): Promise<RawExchange> {
  const { closeWithinMs = 5_000 } = options;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let gaveUp = false;
    const finish = (closedByServer: boolean): void => {
      clearTimeout(timer);
      const received = Buffer.concat(chunks).toString('latin1');
      resolve({ response: parseResponse(received), received, closedByServer });
    };
    socket.on('connect', () => {
      if (options.write !== undefined) options.write(socket);
      else socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // The close is waited for from the first answer on.
      if (timer === undefined && parseResponse(Buffer.concat(chunks).toString('latin1')) !== undefined) {
        timer = setTimeout(() => {
          gaveUp = true;
          socket.destroy();
          finish(false);
        }, closeWithinMs);
      }
    });
    // A reset after the answer still means the server let go of the connection.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    socket.on('close', () => {
      if (!gaveUp) finish(true);
    });
  });
}

/** The server's count of open connections (upgraded sockets included, until they close). */
export function openConnections(app: FastifyInstance): Promise<number> {
  return new Promise((resolve, reject) => app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

/** A WebSocket upgrade request for `path` (valid handshake headers unless overridden). */
export function upgradeRequest(path: string, { method = 'GET', headers = {} as Record<string, string | undefined> } = {}): string {
  const all: Record<string, string | undefined> = {
    Host: 'rnn-serve.test',
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  };
  const lines = Object.entries(all)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `${name}: ${value}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

// A WebSocket client for stream tests: a real `ws` client against the app listening on an
// ephemeral port, with the messages it receives queued so a test reads them in order.
import type { FastifyInstance } from 'fastify';
import WebSocket, { type ClientOptions } from 'ws';

/** A text message parsed as JSON, or the bytes of a binary one. */
export type Received = Record<string, unknown> | Buffer;

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** Listens on 127.0.0.1, port 0; returns the ws:// base URL. */
export async function listenForStreams(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('the app is not listening on TCP');
  return `ws://127.0.0.1:${address.port}`;
}

export class StreamClient {
  readonly socket: WebSocket;
  readonly closed: Promise<Closed>;
  private readonly received: Received[] = [];
  private waiter: { resolve: (message: Received) => void; reject: (error: Error) => void } | undefined;
  private closedWith: Closed | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const message: Received = isBinary ? data : (JSON.parse(data.toString('utf8')) as Record<string, unknown>);
      if (this.waiter !== undefined) {
        const { resolve } = this.waiter;
        this.waiter = undefined;
        resolve(message);
      } else {
        this.received.push(message);
      }
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString('utf8') };
        this.waiter?.reject(new Error(`the stream closed (${code} ${this.closedWith.reason}) before the next message`));
        this.waiter = undefined;
        resolve(this.closedWith);
      });
    });
  }

  /** Opens a stream; rejects when the upgrade is refused. */
  static open(url: string, options: ClientOptions = {}): Promise<StreamClient> {
    const socket = new WebSocket(url, options);
    const client = new StreamClient(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  /** The next message, in arrival order. */
  next(): Promise<Received> {
    const message = this.received.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.closedWith !== undefined) {
      return Promise.reject(new Error(`the stream closed (${this.closedWith.code} ${this.closedWith.reason}) before the next message`));
    }
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The next message, which must be JSON text. */
  async json(): Promise<Record<string, unknown>> {
    const message = await this.next();
    if (Buffer.isBuffer(message)) throw new Error(`expected a JSON message, got ${message.byteLength} binary bytes`);
    return message;
  }

  /** The next message, which must be binary: its float32 values. */
  async floats(): Promise<Float32Array> {
    const message = await this.next();
    if (!Buffer.isBuffer(message)) throw new Error(`expected a binary message, got ${JSON.stringify(message)}`);
    return new Float32Array(message.buffer.slice(message.byteOffset, message.byteOffset + message.byteLength));
  }

  sendJson(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  sendFloats(values: readonly number[] | Float32Array): void {
    this.socket.send(Float32Array.from(values));
  }

  /** Closes from the client side and waits for the server's answer. */
  async close(): Promise<Closed> {
    if (this.closedWith === undefined) this.socket.close(1000);
    return this.closed;
  }
}

/** An upgrade the server refuses: its HTTP status, Retry-After header and JSON body. */
export function refusedUpgrade(
  url: string,
  options: ClientOptions = {},
): Promise<{ status: number; retryAfter: string | undefined; body: Record<string, unknown> }> {
  const socket = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      reject(new Error(`the upgrade to ${url} was accepted`));
    });
    socket.once('unexpected-response', (_request, response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const retryAfter = response.headers['retry-after'];
        resolve({
          status: response.statusCode ?? 0,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          body: JSON.parse(text) as Record<string, unknown>,
        });
      });
    });
    socket.once('error', (error) => {
      // 'unexpected-response' handles refusals; anything else is a failure of the test.
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/**
 * Waits until `condition` holds, checking every few milliseconds: for server-side effects that
 * follow a client event asynchronously (a session released after a close). The cap only turns
 * a hang into a failure; no test depends on how long it takes.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`still not true after 20 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

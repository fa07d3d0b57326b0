// A WebSocket stream on one session that survives a dropped connection (openapi/stream.md).
//
// Every message sent is kept until its reply arrives. When the connection drops (the server
// died, a proxy cut it), the stream reattaches to the session (GET /v1/sessions/{id}/stream, on
// the next endpoint if the first does not answer), reads `ready.t`, and reconciles: the messages
// the session had already applied before the drop (their replies were lost with the connection)
// are answered with `outputs: null`, never resent; the rest are resent from `ready.t` with
// `expected_t`, so no element is lost and none is applied twice. A `generate` cut short stored
// nothing on the server; it is resent with the same seed (the client always sends one), which
// yields the same tokens, and the tokens already delivered are not delivered again.
import { ConflictError, ConnectionError, InvalidRequestError, RnnServeError, errorFor, type ErrorCode } from './errors.js';
import type { HttpTransport } from './http.js';
import { openSocket, type RefusedUpgrade, type SocketFactory, type SocketLike } from './socket.js';
import type { GenerateOptions, State, Token, Vector } from './types.js';

export interface StreamOptions {
  /** Send steps as binary float32 frames (no JSON on the way; numeric models only). Default false. */
  readonly binary?: boolean;
  /** Reattach and resend after a dropped connection. Default true. */
  readonly resume?: boolean;
  /** Reconnection attempts in a row before giving up. Default 10. */
  readonly maxReconnects?: number;
  /** First wait between attempts (doubles up to 2 s). Default 100 ms. */
  readonly reconnectDelayMs?: number;
  /** Node: ping every so often and drop a connection that answers nothing (a frozen server). Default 15000 ms; 0 off. */
  readonly heartbeatMs?: number;
  /** How a socket is opened; default `ws` on Node, the browser's WebSocket elsewhere. */
  readonly socketFactory?: SocketFactory;
}

/** The answer to one step message. */
export interface StepReply {
  /** The session's t after the message. */
  readonly t: number;
  /** One row of output_size numbers per element; null when the session applied the message but its reply was lost with a dropped connection. */
  readonly outputs: number[][] | null;
  readonly id?: string | number;
}

/** The answer to a generate message (`generated`), plus every token. */
export interface GenerateReply {
  readonly t: number;
  readonly text: string;
  readonly tokens: number[];
  readonly finish_reason: string;
  readonly stop_sequence?: string;
  readonly seed: number;
}

export interface TokenEvent {
  readonly index: number;
  readonly token: string;
  readonly token_id: number;
}

/** What the session says on `ready`. */
export interface StreamSession {
  readonly sessionId: string;
  readonly model: string;
  readonly inputSize: number;
  readonly outputSize: number;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

type Pending =
  | { kind: 'step'; body: StepBody; count: number; single: boolean; id: string | number | undefined; reply: Deferred<StepReply> }
  | { kind: 'state'; reply: Deferred<{ t: number; state: State }> }
  | { kind: 'reset'; state: State | undefined; reply: Deferred<{ t: number }> }
  | { kind: 'generate'; body: Record<string, unknown>; onToken: ((token: TokenEvent) => void) | undefined; delivered: number; reply: Deferred<GenerateReply> };

type StepBody = { x: Vector | Token } | { inputs: readonly Vector[] } | { text: string } | { tokens: readonly Token[] } | { binary: Float32Array };

const CONNECT_TIMEOUT_MS = 10_000;

export class Stream implements AsyncIterable<StepReply> {
  /** The session id, model and sizes (from the first `ready`). */
  readonly session: StreamSession;
  /** The session's t after the last answered message. */
  get t(): number {
    return this.ackT;
  }
  /** Times the stream reattached after losing its connection. */
  reconnects = 0;

  private socket: SocketLike | undefined;
  private ackT: number;
  private readonly pending: Pending[] = [];
  /** Replies of `send()`/`sendMany()` messages not yet taken by `recv()`, in order. */
  private readonly unread: Promise<StepReply>[] = [];
  private closing = false;
  private closedError: Error | undefined;
  private reconnecting: Promise<void> | undefined;

  private constructor(
    private readonly http: HttpTransport,
    private readonly options: Required<Omit<StreamOptions, 'socketFactory'>> & { socketFactory: SocketFactory },
    private readonly onClosed: (() => Promise<void>) | undefined,
    first: { socket: SocketLike; ready: ReadyMessage },
  ) {
    this.session = { sessionId: first.ready.session_id, model: first.ready.model, inputSize: first.ready.input_size, outputSize: first.ready.output_size };
    this.ackT = first.ready.t;
    this.adopt(first.socket);
  }

  /** Attaches to session `sessionId`; `onClosed` runs after close() (the owner deletes its session there). */
  static async attach(http: HttpTransport, sessionId: string, options: StreamOptions = {}, onClosed?: () => Promise<void>): Promise<Stream> {
    const full = {
      binary: options.binary ?? false,
      resume: options.resume ?? true,
      maxReconnects: options.maxReconnects ?? 10,
      reconnectDelayMs: options.reconnectDelayMs ?? 100,
      heartbeatMs: options.heartbeatMs ?? 15_000,
      socketFactory: options.socketFactory ?? openSocket,
    };
    const first = await connect(http, sessionId, full.socketFactory, full.heartbeatMs);
    return new Stream(http, full, onClosed, first);
  }

  // ---- sending ------------------------------------------------------------------------------

  /** Sends one element (a vector, or a token for token models); its reply comes from recv() or iteration. */
  send(x: Vector | Token, id?: string | number): void {
    this.queueUnread(this.enqueueStep(this.elementBody(x), 1, true, id));
  }

  /** Sends several elements as one message (vectors, or { text } / { tokens } for token models). */
  sendMany(inputs: readonly Vector[] | { readonly text: string } | { readonly tokens: readonly Token[] }, id?: string | number): void {
    const [body, count] = this.sequenceBody(inputs);
    this.queueUnread(this.enqueueStep(body, count, false, id));
  }

  /** The next reply of a send()/sendMany() message, in the order they were sent. */
  async recv(): Promise<StepReply> {
    const next = this.unread.shift();
    if (next === undefined) throw new InvalidRequestError('NOTHING_SENT', 'recv() with no send() waiting for its reply');
    return next;
  }

  /** Replies of send()/sendMany() messages not yet received. */
  get waiting(): number {
    return this.unread.length;
  }

  /** Iterates over the replies of the messages sent so far (and of those sent while iterating). */
  async *[Symbol.asyncIterator](): AsyncIterator<StepReply> {
    while (this.unread.length > 0) yield await this.recv();
  }

  /** One element, answered: its output row. */
  async step(x: Vector | Token): Promise<number[]> {
    const reply = await this.enqueueStep(this.elementBody(x), 1, true, undefined);
    return requireOutputs(reply)[0]!;
  }

  /** Several elements in one message, answered: T x output_size. */
  async steps(inputs: readonly Vector[] | { readonly text: string } | { readonly tokens: readonly Token[] }): Promise<number[][]> {
    const [body, count] = this.sequenceBody(inputs);
    return requireOutputs(await this.enqueueStep(body, count, false, undefined));
  }

  /**
   * Streams `inputs` through the session with up to `window` messages in flight, yielding each
   * element's reply in order (one element per message; binary frames when the stream is binary).
   */
  async *map(inputs: Iterable<Vector | Token>, window = 32): AsyncGenerator<StepReply> {
    const inFlight: Promise<StepReply>[] = [];
    for (const x of inputs) {
      inFlight.push(this.enqueueStep(this.elementBody(x), 1, true, undefined));
      if (inFlight.length >= window) yield await inFlight.shift()!;
    }
    while (inFlight.length > 0) yield await inFlight.shift()!;
  }

  /** The session's state now. */
  state(): Promise<{ t: number; state: State }> {
    return this.enqueue({ kind: 'state', reply: deferred() });
  }

  /** Back to t = 0, from `state` or zeros. */
  reset(state?: State): Promise<{ t: number }> {
    return this.enqueue({ kind: 'reset', state, reply: deferred() });
  }

  /** Generates on the session (token models); `onToken` sees each token as it is chosen. */
  generate(prompt: { text: string } | { tokens: readonly Token[] }, options: GenerateOptions = {}, onToken?: (token: TokenEvent) => void): Promise<GenerateReply> {
    // A seed of our own: a generate resent after a dropped connection must draw the same tokens.
    const seed = options.seed ?? Math.floor(Math.random() * 0x1_0000_0000);
    return this.enqueue({ kind: 'generate', body: { type: 'generate', ...prompt, ...options, seed }, onToken, delivered: 0, reply: deferred() });
  }

  /**
   * Waits for every reply, then closes the connection (1000) and, for a stream the client
   * opened on a model, deletes its session.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    await Promise.allSettled(this.pending.map((message) => message.reply.promise));
    this.closing = true;
    this.socket?.close(1000);
    this.socket = undefined;
    await this.onClosed?.();
  }

  // ---- internals ----------------------------------------------------------------------------

  private elementBody(x: Vector | Token): StepBody {
    if (typeof x === 'number' || typeof x === 'string') return { x };
    this.checkVector(x, 'x');
    return this.options.binary ? { binary: Float32Array.from(x) } : { x };
  }

  private sequenceBody(inputs: readonly Vector[] | { readonly text: string } | { readonly tokens: readonly Token[] }): [StepBody, number] {
    if ('text' in inputs) return [{ text: inputs.text }, [...inputs.text].length];
    if ('tokens' in inputs) return [{ tokens: inputs.tokens }, inputs.tokens.length];
    const rows = inputs as readonly Vector[];
    if (rows.length === 0) throw new InvalidRequestError('INVALID_INPUT', 'inputs is empty');
    rows.forEach((row, i) => this.checkVector(row, `inputs[${i}]`));
    if (!this.options.binary) return [{ inputs: rows }, rows.length];
    const values = new Float32Array(rows.length * this.session.inputSize);
    rows.forEach((row, i) => values.set(row, i * this.session.inputSize));
    return [{ binary: values }, rows.length];
  }

  /** Refused here rather than by the server: a refused message would also refuse every message pipelined after it (their expected_t). */
  private checkVector(x: Vector, where: string): void {
    if (x.length !== this.session.inputSize) {
      throw new InvalidRequestError('INVALID_INPUT', `${where} has ${x.length} values, model '${this.session.model}' expects ${this.session.inputSize}`);
    }
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) throw new InvalidRequestError('INVALID_INPUT', `${where}[${i}] is not a finite number`);
    }
  }

  private enqueueStep(body: StepBody, count: number, single: boolean, id: string | number | undefined): Promise<StepReply> {
    return this.enqueue({ kind: 'step', body, count, single, id, reply: deferred() });
  }

  private queueUnread(reply: Promise<StepReply>): void {
    reply.catch(() => undefined); // rejected replies surface through recv(), not as unhandled
    this.unread.push(reply);
  }

  private enqueue<P extends Pending>(message: P): P['reply']['promise'] {
    if (this.closedError !== undefined) return Promise.reject(this.closedError);
    if (this.closing) return Promise.reject(new ConnectionError('STREAM_CLOSED', 'the stream is closed'));
    const expectedT = this.nextT();
    this.pending.push(message);
    if (this.socket !== undefined && this.reconnecting === undefined) this.transmit(message, expectedT);
    return message.reply.promise;
  }

  /** The t the session will be at once every pending step is applied. */
  private nextT(): number {
    let t = this.ackT;
    for (const message of this.pending) {
      if (message.kind === 'step') t += message.count;
      else if (message.kind === 'reset') t = 0;
    }
    return t;
  }

  private transmit(message: Pending, expectedT: number): void {
    const socket = this.socket!;
    switch (message.kind) {
      case 'step': {
        const { body } = message;
        if ('binary' in body) {
          socket.send(body.binary);
          return;
        }
        socket.send(JSON.stringify({ ...body, expected_t: expectedT, ...(message.id !== undefined ? { id: message.id } : {}) }));
        return;
      }
      case 'state':
        socket.send('{"type":"state"}');
        return;
      case 'reset':
        socket.send(JSON.stringify({ type: 'reset', ...(message.state ? { state: message.state } : {}) }));
        return;
      case 'generate':
        socket.send(JSON.stringify({ ...message.body, expected_t: expectedT }));
        return;
    }
  }

  private adopt(socket: SocketLike): void {
    this.socket = socket;
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      // A server that stopped answering would keep the first reattach waiting for its timeout.
      if (socket.unresponsive) this.http.rotate();
      if (!this.closing) void this.connectionLost();
    };
    socket.onerror = () => undefined; // a close follows
  }

  private receive(data: unknown): void {
    const head = this.pending[0];
    if (typeof data !== 'string') {
      const bytes = toBytes(data);
      if (head?.kind !== 'step' || !('binary' in head.body)) return this.protocolError('a binary reply to a JSON message');
      this.pending.shift();
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const size = this.session.outputSize;
      const outputs = Array.from({ length: values.length / size }, (_, i) => Array.from(values.subarray(i * size, (i + 1) * size)));
      this.ackT += head.count;
      head.reply.resolve({ t: this.ackT, outputs });
      return;
    }
    const message = JSON.parse(data) as Record<string, unknown>;
    if (message.type === 'token') {
      if (head?.kind !== 'generate') return this.protocolError('a token outside a generate');
      const token = message as unknown as TokenEvent;
      if (token.index >= head.delivered) {
        head.delivered = token.index + 1;
        head.onToken?.({ index: token.index, token: token.token, token_id: token.token_id });
      }
      return;
    }
    if (head === undefined) return this.protocolError(`an unexpected ${String(message.type)} message`);
    this.pending.shift();
    if (message.type === 'error') {
      head.reply.reject(errorFor(String(message.code), String(message.message)));
      return;
    }
    const t = Number(message.t);
    this.ackT = t;
    switch (head.kind) {
      case 'step':
        head.reply.resolve({ t, outputs: message.type === 'output' ? [message.y as number[]] : (message.outputs as number[][]), ...(head.id !== undefined ? { id: head.id } : {}) });
        return;
      case 'state':
        head.reply.resolve({ t, state: message.state as State });
        return;
      case 'reset':
        head.reply.resolve({ t });
        return;
      case 'generate': {
        const { type: _type, id: _id, ...generated } = message;
        head.reply.resolve(generated as unknown as GenerateReply);
        return;
      }
    }
  }

  private protocolError(what: string): void {
    this.fail(new ConnectionError('PROTOCOL_ERROR', `the server sent ${what}`));
    this.socket?.close(1002);
  }

  /** Rejects everything pending; the stream is unusable afterwards. */
  private fail(error: Error): void {
    this.closedError = error;
    for (const message of this.pending.splice(0)) message.reply.reject(error);
  }

  private connectionLost(): void {
    if (!this.options.resume) {
      this.fail(new ConnectionError('CONNECTION_LOST', `the stream of session '${this.session.sessionId}' lost its connection`));
      return;
    }
    this.reconnecting = this.reconnect().finally(() => (this.reconnecting = undefined));
  }

  private async reconnect(): Promise<void> {
    let delay = this.options.reconnectDelayMs;
    let lastError: unknown;
    for (let attempt = 0; attempt < this.options.maxReconnects; attempt++) {
      if (attempt > 0) {
        await sleep(delay);
        delay = Math.min(delay * 2, 2000);
      }
      let first: { socket: SocketLike; ready: ReadyMessage };
      try {
        first = await connect(this.http, this.session.sessionId, this.options.socketFactory, this.options.heartbeatMs);
      } catch (error) {
        lastError = error;
        // The session is gone, or the key or the package does not fit: trying again cannot help.
        if (error instanceof RnnServeError && ['SESSION_NOT_FOUND', 'UNAUTHORIZED', 'MODEL_MISMATCH', 'MODEL_NOT_FOUND'].includes(error.code)) break;
        this.http.rotate();
        continue;
      }
      this.reconnects++;
      if (this.closing) {
        first.socket.close(1000);
        return;
      }
      try {
        this.reconcile(first.ready.t);
      } catch (error) {
        first.socket.close(1000);
        this.fail(error as Error);
        return;
      }
      this.adopt(first.socket);
      let t = this.ackT;
      for (const message of this.pending) {
        this.transmit(message, t);
        if (message.kind === 'step') t += message.count;
        else if (message.kind === 'reset') t = 0;
      }
      return;
    }
    const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
    const error =
      lastError instanceof RnnServeError && lastError.statusCode !== undefined
        ? lastError
        : new ConnectionError('CONNECTION_LOST', `could not reattach to session '${this.session.sessionId}' after ${this.options.maxReconnects} attempts${cause}`);
    this.fail(error);
  }

  /**
   * The session is at `serverT` after the drop. The messages it applied are a prefix of the
   * pending ones (one connection's messages are applied in order): answer them as lost, keep the
   * rest. Anything that does not line up means another client wrote the session.
   */
  private reconcile(serverT: number): void {
    let applied = serverT - this.ackT;
    const conflict = (why: string): Error =>
      new ConflictError('SEQUENCE_CONFLICT' satisfies ErrorCode, `cannot resume session '${this.session.sessionId}': it is at t = ${serverT}, ${why}`);
    if (applied < 0) throw conflict(`behind the t = ${this.ackT} already answered`);
    while (applied > 0) {
      const head = this.pending[0];
      if (head === undefined) throw conflict('beyond every element sent');
      if (head.kind === 'state') {
        // Read-only, applied between steps that were: its answer is gone with the connection.
        this.pending.shift();
        head.reply.reject(new ConnectionError('REPLY_LOST', 'the state was read before the connection dropped, and its answer was lost'));
        continue;
      }
      if (head.kind !== 'step') throw conflict(`and a ${head.kind} message sent before the drop has an unknown outcome`);
      if (head.count > applied) throw conflict('in the middle of a message');
      this.pending.shift();
      applied -= head.count;
      this.ackT += head.count;
      head.reply.resolve({ t: this.ackT, outputs: null, ...(head.id !== undefined ? { id: head.id } : {}) });
    }
    // A reset sent before the drop cannot be told apart from one not applied when t is 0 either way.
    if (this.pending[0]?.kind === 'reset' && serverT === 0 && this.ackT !== 0) throw conflict('and a reset sent before the drop has an unknown outcome');
  }
}

interface ReadyMessage {
  readonly type: 'ready';
  readonly session_id: string;
  readonly model: string;
  readonly t: number;
  readonly input_size: number;
  readonly output_size: number;
}

/** Opens a stream on session `sessionId` at the transport's endpoint and waits for `ready`. */
async function connect(http: HttpTransport, sessionId: string, factory: SocketFactory, heartbeatMs: number): Promise<{ socket: SocketLike; ready: ReadyMessage }> {
  const url = `${http.endpoint.replace(/^http/, 'ws')}/v1/sessions/${encodeURIComponent(sessionId)}/stream`;
  let refused: RefusedUpgrade | undefined;
  const socket = await factory(url, http.apiKey, (answer) => (refused = answer), { heartbeatMs });
  socket.binaryType = 'arraybuffer';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new ConnectionError('CONNECT_TIMEOUT', `no ready message from ${url} within ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.onmessage = (event) => {
      clearTimeout(timer);
      const message = typeof event.data === 'string' ? (JSON.parse(event.data) as ReadyMessage) : undefined;
      if (message?.type !== 'ready') {
        socket.close();
        reject(new ConnectionError('PROTOCOL_ERROR', `the first message from ${url} is not ready`));
        return;
      }
      socket.onmessage = null;
      resolve({ socket, ready: message });
    };
    socket.onerror = () => undefined;
    socket.onclose = (event) => {
      clearTimeout(timer);
      if (refused !== undefined) {
        let body: { code?: string; message?: string } = {};
        try {
          body = JSON.parse(refused.body) as typeof body;
        } catch {
          // not the service's error shape
        }
        reject(errorFor(body.code ?? `HTTP_${refused.statusCode}`, body.message ?? refused.body, refused.statusCode, refused.retryAfter));
        return;
      }
      reject(new ConnectionError('CONNECTION_FAILED', `${url} closed before ready (${event.code}${event.reason ? ` ${event.reason}` : ''})`));
    };
  });
}

function requireOutputs(reply: StepReply): number[][] {
  if (reply.outputs === null) throw new ConnectionError('REPLY_LOST', `the session applied the message (t = ${reply.t}) but its reply was lost with the connection`);
  return reply.outputs;
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new ConnectionError('PROTOCOL_ERROR', 'a binary message of an unknown kind');
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

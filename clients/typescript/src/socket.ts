// One WebSocket shape for Node and browsers. In a browser the page's own WebSocket is used (it
// cannot send headers, so the API key goes in ?api_key=, which the server accepts on upgrades);
// on Node the `ws` package, loaded only there, which sends the key as a Bearer header and reports
// a refused upgrade's status and body. Both are driven through the same event handlers.
import type WsWebSocket from 'ws';

/** The part of the WebSocket API the stream uses (the browser's and `ws` both have it). */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  /** Set when the heartbeat dropped the connection: the server there does not answer. */
  unresponsive?: boolean;
}

/** Why an upgrade failed, when the server answered it with an HTTP error (ws only). */
export interface RefusedUpgrade {
  readonly statusCode: number;
  readonly body: string;
  readonly retryAfter: number | undefined;
}

export interface SocketOptions {
  /**
   * Node only (a page cannot ping): ping the server this often, and drop a connection that
   * answered nothing since the last ping, so a frozen server (or a dead network path that sends
   * no reset) ends in a resume instead of a wait forever. 0: never. Default 15 s.
   */
  readonly heartbeatMs?: number;
}

export type SocketFactory = (url: string, apiKey: string | undefined, onRefused: (refused: RefusedUpgrade) => void, options?: SocketOptions) => Promise<SocketLike>;

type BrowserWebSocket = new (url: string) => SocketLike;

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** The default: `ws` on Node, the global WebSocket elsewhere. */
export const openSocket: SocketFactory = async (url, apiKey, onRefused, options = {}) => {
  if (!isNode) {
    const WebSocketClass = (globalThis as { WebSocket?: BrowserWebSocket }).WebSocket;
    if (WebSocketClass === undefined) throw new Error('no WebSocket in this environment');
    const withKey = apiKey === undefined ? url : `${url}${url.includes('?') ? '&' : '?'}api_key=${encodeURIComponent(apiKey)}`;
    return new WebSocketClass(withKey);
  }
  // A variable specifier keeps bundlers from pulling `ws` into a browser build.
  const wsModule = 'ws';
  const { default: WebSocket } = (await import(wsModule)) as { default: typeof WsWebSocket };
  const socket = new WebSocket(url, { headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` } });
  socket.on('unexpected-response', (_request, response) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (body += chunk));
    response.on('end', () => {
      const retryAfter = Number(response.headers['retry-after'] ?? NaN);
      onRefused({ statusCode: response.statusCode ?? 0, body, retryAfter: Number.isFinite(retryAfter) ? retryAfter : undefined });
      socket.terminate();
    });
  });
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  if (heartbeatMs > 0) {
    let heard = true;
    const hear = (): void => {
      heard = true;
    };
    socket.on('pong', hear).on('message', hear);
    const timer = setInterval(() => {
      if (socket.readyState !== WebSocket.OPEN) return;
      if (!heard) {
        (socket as unknown as SocketLike).unresponsive = true;
        socket.terminate(); // closes with 1006: the stream resumes
        return;
      }
      heard = false;
      socket.ping();
    }, heartbeatMs);
    timer.unref();
    socket.once('close', () => clearInterval(timer));
  }
  return socket as unknown as SocketLike;
};

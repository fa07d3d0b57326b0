// Every WebSocket upgrade ends as a stream or with its socket closed: the one place that makes
// sure of it. Node hands an upgrade's socket to the 'upgrade' listeners and forgets it: it is no
// longer the HTTP server's to close, time out or count as idle. @fastify/websocket routes the
// request through Fastify with a ServerResponse of its own and closes the socket only when a
// route's hooks ran, so any refusal before them (a bad %-encoding, a parameter over
// MAX_PARAM_LENGTH, no route, a wrong method, a missing API key, the server draining) left the
// socket open for as long as the client liked: 260 of them exhausted a 256-descriptor limit.
// Here, whatever answered: once the answer is written, the socket is closed; an upgrade that
// nobody answers within REQUEST_TIMEOUT_MS is closed too; and a handshake ws itself refuses
// (a bad Sec-WebSocket-Key or version) is answered in the service's error shape.
import type { IncomingMessage, Server } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocketServer } from 'ws';
import { abbreviated } from '../error-handler.js';
import { MalformedRequestError } from '../errors.js';
import { answerAndClose, assignedResponse, closeAfterFlush } from '../http-socket.js';
import { withoutApiKey } from '../logger.js';

export interface UpgradeGuardOptions {
  /** An upgrade neither answered nor accepted within this is closed (0: never). */
  readonly timeoutMs: number;
  readonly log: FastifyBaseLogger;
}

/** Starts guarding the upgrades of `server`; the returned function stops it (at shutdown). */
export function closeRefusedUpgrades(server: Server, wss: WebSocketServer, { timeoutMs, log }: UpgradeGuardOptions): () => void {
  /** Upgrades not yet accepted nor closed, with the timer that closes them. */
  const pending = new WeakMap<IncomingMessage, NodeJS.Timeout>();
  const settle = (request: IncomingMessage): void => {
    clearTimeout(pending.get(request));
    pending.delete(request);
  };
  const where = (request: IncomingMessage): string => abbreviated(withoutApiKey(request.url ?? ''));

  // ws emits 'headers' just before it writes the 101: from then on the socket is a stream's.
  const onAccepted = (_headers: string[], request: IncomingMessage): void => settle(request);

  // A listener makes ws hand us the handshakes it refuses instead of answering them in text/html.
  const onHandshakeRefused = (error: Error, socket: Duplex, request: IncomingMessage): void => {
    settle(request);
    const refused = new MalformedRequestError(`the WebSocket handshake is not valid: ${error.message}`);
    log.debug({ url: where(request), reason: error.message }, 'WebSocket upgrade refused: bad handshake');
    answerAndClose(
      socket,
      { statusCode: 400, code: refused.code, message: refused.message },
      /Version/.test(error.message) ? { 'Sec-WebSocket-Version': '13, 8' } : {},
    );
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex): void => {
    // Injected upgrades (injectWS) have a mock socket: nothing to leak.
    if (!(socket instanceof Socket)) return;
    if (timeoutMs > 0) {
      const timer = setTimeout(() => {
        pending.delete(request);
        log.info({ url: where(request), timeoutMs }, 'WebSocket upgrade not answered within REQUEST_TIMEOUT_MS: socket closed');
        socket.destroy();
      }, timeoutMs);
      pending.set(request, timer.unref());
    }
    socket.once('close', () => settle(request));

    // Runs after @fastify/websocket's listener, which has assigned its response to the socket and
    // started routing (a router refusal may even have been written already).
    const response = assignedResponse(socket);
    if (response === undefined) return;
    if (!response.headersSent) response.setHeader('connection', 'close');
    const closeOnceAnswered = (): void => {
      settle(request);
      log.debug({ url: where(request), statusCode: response.statusCode }, 'WebSocket upgrade refused: socket closed after the answer');
      closeAfterFlush(socket);
    };
    if (response.writableFinished) closeOnceAnswered();
    else response.once('finish', closeOnceAnswered);
  };

  wss.on('headers', onAccepted);
  wss.on('wsClientError', onHandshakeRefused);
  server.on('upgrade', onUpgrade);
  return () => {
    server.removeListener('upgrade', onUpgrade);
  };
}

// What Node's HTTP server refuses before Fastify ever sees a request, answered in the service's
// error shape instead of Fastify's default (no `code`, "Client Error"): a request line or header
// the parser rejects, bad chunked encoding, headers over MAX_HEADER_BYTES (431), a request that
// did not arrive within HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS (408, e.g. a body trickled at
// 1 byte/s). The connection is then closed: after a parse error its byte stream cannot be trusted.
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { PublicError } from './error-handler.js';
import { HeadersTooLargeError, MalformedRequestError, PayloadTooLargeError, RequestTimeoutError } from './errors.js';
import { answerAndClose, assignedResponse, closeAfterFlush } from './http-socket.js';

type Limits = Pick<Config, 'maxHeaderBytes' | 'headersTimeoutMs' | 'requestTimeoutMs'>;

interface ClientError extends Error {
  code?: string;
  /** llhttp's explanation of a parse error, e.g. "Invalid method encountered". */
  reason?: string;
}

export function createClientErrorHandler(limits: Limits) {
  return function clientErrorHandler(this: FastifyInstance, error: ClientError, socket: Socket): void {
    if (socket.destroyed) return;
    const answer = describeClientError(error, limits);
    if (answer === undefined) {
      // A network failure (a reset, a broken pipe), not a request: nobody to answer.
      socket.destroy();
      return;
    }
    this.log.info({ statusCode: answer.statusCode, code: answer.code, err: { code: error.code, message: answer.message } }, 'request refused by the HTTP parser');
    // As Node's own handler does: never write into a response already under way (a pipelined
    // request being answered), which would corrupt what the client reads.
    const response = assignedResponse(socket);
    if (response === undefined || !response.headersSent) answerAndClose(socket, answer);
    else closeAfterFlush(socket);
  };
}

/** The answer to a client error, or undefined when it is a network failure. */
export function describeClientError(error: ClientError, limits: Limits): PublicError | undefined {
  const code = error.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const timeout = new RequestTimeoutError(
      `the request did not arrive in time: the headers must arrive within ${limits.headersTimeoutMs} ms (HEADERS_TIMEOUT_MS), ` +
        `the whole request within ${limits.requestTimeoutMs} ms (REQUEST_TIMEOUT_MS)`,
    );
    return { statusCode: 408, code: timeout.code, message: timeout.message };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    const tooLarge = new HeadersTooLargeError(
      `the request line and headers are larger than ${limits.maxHeaderBytes} bytes (MAX_HEADER_BYTES)`,
    );
    return { statusCode: 431, code: tooLarge.code, message: tooLarge.message };
  }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    const tooLarge = new PayloadTooLargeError('the chunk extensions of the body are too large');
    return { statusCode: 413, code: tooLarge.code, message: tooLarge.message };
  }
  if (code.startsWith('HPE_')) {
    const reason = error.reason ?? error.message;
    const malformed = new MalformedRequestError(`the HTTP request is malformed: ${reason} (${code})`);
    return { statusCode: 400, code: malformed.code, message: malformed.message };
  }
  return undefined;
}

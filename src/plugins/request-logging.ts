// One log line per request that an operator needs to see, and none for the rest: 5xx at error
// and 4xx at info, both with the error under `err` (logger.ts serializes a 4xx without stack),
// except the 503s the service answers on purpose (draining: info; store or model unavailable:
// warn; no stack either, see EXPECTED_UNAVAILABLE in logger.ts),
// requests slower than SLOW_REQUEST_MS at warn. Fastify's own per-request lines are off unless
// LOG_REQUESTS=true (see logger.ts). A line carries the method, the route pattern, the status
// and the duration, never the URL's ids, a body, an input vector or a state.
import fp from 'fastify-plugin';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { EXPECTED_UNAVAILABLE } from '../logger.js';
import { routeLabel } from './route-label.js';

export interface RequestLoggingPluginOptions {
  config: Config;
}

const requestLoggingPlugin: FastifyPluginAsync<RequestLoggingPluginOptions> = async (app, { config }) => {
  // The error a failed request was answered with, kept until onResponse writes the line.
  const failures = new WeakMap<FastifyRequest, FastifyError>();

  app.addHook('onError', async (request, _reply, error) => {
    failures.set(request, error);
  });

  // A callback hook (no promise per request): most responses are neither failures nor slow.
  app.addHook('onResponse', (request, reply, done) => {
    logResponse(request, reply);
    done();
  });

  function logResponse(request: FastifyRequest, reply: FastifyReply): void {
    const statusCode = reply.statusCode;
    const responseTime = reply.elapsedTime;
    const slow = responseTime > config.slowRequestMs;
    if (statusCode < 400 && !slow) return;

    const line = { method: request.method, route: routeLabel(request), statusCode, responseTime };
    const error = failures.get(request);
    const expected = statusCode === 503 && error !== undefined ? EXPECTED_UNAVAILABLE[error.code] : undefined;
    if (expected !== undefined) {
      reply.log[expected]({ ...line, err: error }, 'request refused: service unavailable');
    } else if (statusCode >= 500) {
      reply.log.error({ ...line, err: error }, 'request failed');
    } else if (slow) {
      reply.log.warn({ ...line, err: error }, 'slow request');
    } else {
      reply.log.info({ ...line, err: error }, 'request refused');
    }
  }
};

export default fp(requestLoggingPlugin, { name: 'request-logging', fastify: '5.x' });

// Builds the whole service as a Fastify instance, ready for app.inject or listen. Never
// listens itself: src/server.ts does, so tests build as many apps as they like.
import type { ServerOptions } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import { createClientErrorHandler } from './client-error-handler.js';
import { createErrorHandler, createFrameworkErrorHandler } from './error-handler.js';
import { MalformedRequestError, ShuttingDownError } from './errors.js';
import { useJsonBodyParser } from './json-body.js';
import { createLogController, createLoggerOptions } from './logger.js';
import { logStartupDecisions } from './startup-log.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { ModelRepository } from './model/repository/model-repository.js';
import modelRepositoryPlugin, { repositoryMetrics } from './plugins/model-repository.js';
import authPlugin from './plugins/auth.js';
import metricsPlugin from './plugins/metrics.js';
import notFoundPlugin from './plugins/not-found.js';
import openapiPlugin from './plugins/openapi.js';
import playgroundPlugin from './plugins/playground.js';
import operationsMetricsPlugin from './plugins/operations-metrics.js';
import requestLoggingPlugin from './plugins/request-logging.js';
import { sharedSchemas } from './schemas/index.js';
import { createBatchingScheduler } from './sessions/batching-scheduler.js';
import inferencePlugin from './service/plugin.js';
import type { SessionStore } from './sessions/session-store.js';
import type { SchedulerObserver, StepScheduler } from './sessions/step-scheduler.js';
import grpcPlugin from './grpc/plugin.js';
import streamPlugin from './stream/plugin.js';
import forecastRoutes from '../routes/forecast.js';
import generateRoutes from '../routes/generate.js';
import healthRoutes from '../routes/health.js';
import modelRoutes from '../routes/models.js';
import predictRoutes from '../routes/predict.js';
import rootRoutes from '../routes/root.js';
import sessionRoutes from '../routes/sessions.js';
import streamRoutes from '../routes/stream.js';
import v2Routes from '../routes/v2.js';
import repositoryRoutes from '../routes/repository.js';

export interface BuildAppOptions {
  readonly config: Config;
  /** Default: the packages in config.modelsDir. */
  readonly registry?: ModelRepository;
  /** Default: the store config.sessionStore names. */
  readonly sessionStore?: SessionStore;
  readonly metrics?: ServiceMetrics;
  /**
   * Default: the batching scheduler (steps of concurrent sessions of one model run as one
   * batched engine step; no fixed wait). createDirectScheduler runs each request on its own.
   */
  readonly createScheduler?: (observer: SchedulerObserver) => StepScheduler;
  /** Epoch milliseconds for session times and expiry; tests move it instead of sleeping. */
  readonly clock?: () => number;
  /** Fastify's logger option; default: createLoggerOptions(config). Tests pass false. */
  readonly logger?: FastifyServerOptions['logger'];
}

/** Routes that still answer while the server drains: probes must see it going away. */
const ANSWERED_WHILE_DRAINING = new Set(['/healthz', '/readyz', '/metrics', '/v2/health/live', '/v2/health/ready']);

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const metrics = options.metrics ?? createMetrics();
  // A version that newer ones replaced keeps serving its sessions until none used it for a TTL.
  const registry =
    options.registry ??
    (await ModelRepository.load(config.modelsDir, { retireAfterMs: config.sessionTtlSeconds * 1000, metrics: repositoryMetrics(metrics) }));

  const app = Fastify({
    logger: options.logger ?? createLoggerOptions(config),
    logController: createLogController(config),
    bodyLimit: config.bodyLimitBytes,
    ...connectionLimits(config),
    routerOptions: { maxParamLength: config.maxParamLength },
    frameworkErrors: createFrameworkErrorHandler(config),
    clientErrorHandler: createClientErrorHandler(config),
    // Draining is answered by the hook below, in the service's error shape.
    return503OnClosing: false,
    ajv: {
      customOptions: {
        // Bodies are never coerced: "1" or null where a number belongs is an error, not a 1 or a 0.
        coerceTypes: false,
        // An unknown field is refused (additionalProperties: false), never silently dropped.
        removeAdditional: false,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  logStartupDecisions(app.log, config, registry, options.createScheduler ? 'custom' : 'batching');
  for (const schema of sharedSchemas) app.addSchema(schema);
  app.setErrorHandler(createErrorHandler(config));
  useJsonBodyParser(app);
  // Node answers a missing Host with an empty 400 of its own (requireHostHeader); it is off
  // (connectionLimits) so that the answer has the service's shape.
  // A callback hook: on every request, it costs no promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      done(new MalformedRequestError('an HTTP/1.1 request needs a Host header'));
      return;
    }
    done();
  });

  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  // Callback hooks, not async ones: every request passes them, and an async hook costs a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!draining || ANSWERED_WHILE_DRAINING.has(request.routeOptions.url ?? '')) return done();
    done(new ShuttingDownError('the server is shutting down; retry on another instance'));
  });
  // Every answer sent while draining closes its connection: a request in flight when the drain
  // began would otherwise leave a pooled keep-alive connection open, holding app.close() up
  // until the grace period ran out.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });

  // First: they see every route as it is added (@fastify/swagger documents only the routes
  // registered after it; the not-found plugin records every path to answer 405).
  await app.register(notFoundPlugin, { config });
  await app.register(openapiPlugin);
  await app.register(requestLoggingPlugin, { config });
  await app.register(metricsPlugin, { metrics });
  await app.register(authPlugin, { config });
  await app.register(inferencePlugin, {
    config,
    registry,
    metrics,
    ...(options.sessionStore ? { sessionStore: options.sessionStore } : {}),
    // Counted per model version, so that an unload waits for the jobs in flight on it.
    createScheduler: (observer) =>
      registry.inFlight.track((options.createScheduler ?? ((inner) => createBatchingScheduler({ observer: inner, metrics, maxBatch: config.stepBatchSessions })))(observer)),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await app.register(modelRepositoryPlugin, { config, repository: registry, metrics });
  await app.register(operationsMetricsPlugin, { config, isShuttingDown: () => draining });

  await app.register(rootRoutes);
  await app.register(healthRoutes, { isShuttingDown: () => draining });
  await app.register(modelRoutes, { prefix: '/v1' });
  await app.register(predictRoutes, { prefix: '/v1' });
  await app.register(sessionRoutes, { prefix: '/v1' });
  await app.register(streamPlugin, { config, metrics });
  await app.register(streamRoutes, { prefix: '/v1' });
  await app.register(generateRoutes, { prefix: '/v1', limits: config });
  await app.register(forecastRoutes, { prefix: '/v1', limits: config });
  // The Open Inference Protocol (KServe V2 / Triton) on the same dataplane.
  await app.register(v2Routes, { prefix: '/v2', config });
  await app.register(repositoryRoutes, { prefix: '/v2/repository', config });
  await app.register(grpcPlugin, { config });
  await app.register(playgroundPlugin);

  return app;
}

/**
 * Timeouts and sizes of the HTTP connections. A client trickling its request (slowloris, a body
 * at 1 byte/s) is cut off with 408 after HEADERS_TIMEOUT_MS / REQUEST_TIMEOUT_MS; these cover
 * receiving the request only, so a long generate is never cut. Fastify's connectionTimeout (a
 * socket idle that long is destroyed, answer or not) stays off for the same reason.
 */
function connectionLimits(
  config: Config,
): Pick<FastifyServerOptions, 'requestTimeout' | 'keepAliveTimeout'> & { http: ServerOptions } {
  return {
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      maxHeaderSize: config.maxHeaderBytes,
      requireHostHeader: false,
      // How often Node checks those timeouts (its default, 30 s, would let a 30 s timeout run
      // to 60 s): a quarter of the shorter one, between 10 ms and 1 s.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(config.headersTimeoutMs / 4))),
    },
  };
}

// Builds the whole service as a Fastify instance, ready for app.inject or listen. Never
// listens itself: src/server.ts does, so tests build as many apps as they like.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import { createErrorHandler, notFoundHandler } from './error-handler.js';
import { ShuttingDownError } from './errors.js';
import { createLogController, createLoggerOptions } from './logger.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { ModelRegistry } from './model/registry.js';
import authPlugin from './plugins/auth.js';
import metricsPlugin from './plugins/metrics.js';
import openapiPlugin from './plugins/openapi.js';
import playgroundPlugin from './plugins/playground.js';
import operationsMetricsPlugin from './plugins/operations-metrics.js';
import requestLoggingPlugin from './plugins/request-logging.js';
import { sharedSchemas } from './schemas/index.js';
import { createBatchingScheduler } from './service/batching-scheduler.js';
import inferencePlugin from './service/plugin.js';
import type { SessionStore } from './service/session-store.js';
import type { SchedulerObserver, StepScheduler } from './service/step-scheduler.js';
import streamPlugin from './stream/plugin.js';
import forecastRoutes from '../routes/forecast.js';
import generateRoutes from '../routes/generate.js';
import healthRoutes from '../routes/health.js';
import modelRoutes from '../routes/models.js';
import predictRoutes from '../routes/predict.js';
import rootRoutes from '../routes/root.js';
import sessionRoutes from '../routes/sessions.js';
import streamRoutes from '../routes/stream.js';

export interface BuildAppOptions {
  readonly config: Config;
  /** Default: the packages in config.modelsDir. */
  readonly registry?: ModelRegistry;
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
const ANSWERED_WHILE_DRAINING = new Set(['/healthz', '/readyz', '/metrics']);

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const registry = options.registry ?? (await ModelRegistry.load(config.modelsDir));
  const metrics = options.metrics ?? createMetrics();

  const app = Fastify({
    logger: options.logger ?? createLoggerOptions(config),
    logController: createLogController(config),
    bodyLimit: config.bodyLimitBytes,
    // Draining is answered by the hook below, in the service's error shape.
    return503OnClosing: false,
    // Bodies are never coerced: "1" or null where a number belongs is an error, not a 1 or a 0.
    ajv: { customOptions: { coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  for (const schema of sharedSchemas) app.addSchema(schema);
  app.setErrorHandler(createErrorHandler(config));
  app.setNotFoundHandler(notFoundHandler);

  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onRequest', async (request) => {
    if (!draining || ANSWERED_WHILE_DRAINING.has(request.routeOptions.url ?? '')) return;
    throw new ShuttingDownError('the server is shutting down; retry on another instance');
  });
  // Every answer sent while draining closes its connection: a request in flight when the drain
  // began would otherwise leave a pooled keep-alive connection open, holding app.close() up
  // until the grace period ran out.
  app.addHook('onSend', async (_request, reply) => {
    if (draining) void reply.header('connection', 'close');
  });

  // First: @fastify/swagger documents only the routes registered after it.
  await app.register(openapiPlugin);
  await app.register(requestLoggingPlugin, { config });
  await app.register(metricsPlugin, { metrics });
  await app.register(authPlugin, { config });
  await app.register(inferencePlugin, {
    config,
    registry,
    metrics,
    ...(options.sessionStore ? { sessionStore: options.sessionStore } : {}),
    createScheduler: options.createScheduler ?? ((observer) => createBatchingScheduler({ observer, metrics })),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  await app.register(operationsMetricsPlugin, { config, isShuttingDown: () => draining });

  await app.register(healthRoutes, { isShuttingDown: () => draining });
  await app.register(modelRoutes, { prefix: '/v1' });
  await app.register(predictRoutes, { prefix: '/v1' });
  await app.register(sessionRoutes, { prefix: '/v1' });
  await app.register(streamPlugin, { config, metrics });
  await app.register(streamRoutes, { prefix: '/v1' });
  await app.register(generateRoutes, { prefix: '/v1', limits: config });
  await app.register(forecastRoutes, { prefix: '/v1', limits: config });
  await app.register(playgroundPlugin);
  await app.register(rootRoutes);

  return app;
}

// Decorates the app with the inference service (and its session store), and releases them when
// the app closes. Routes of every transport use `app.inference`.
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import type { ServiceMetrics } from '../metrics.js';
import type { ModelRegistry } from '../model/registry.js';
import { createSessionStore } from '../sessions/create-session-store.js';
import { InferenceService } from './inference-service.js';
import type { SessionStore } from '../sessions/session-store.js';
import type { SchedulerObserver, StepScheduler } from '../sessions/step-scheduler.js';

declare module 'fastify' {
  interface FastifyInstance {
    inference: InferenceService;
    sessionStore: SessionStore;
  }
}

export interface InferencePluginOptions {
  readonly config: Config;
  readonly registry: ModelRegistry;
  readonly metrics: ServiceMetrics;
  /** Default: the store SESSION_STORE names. The app closes it either way. */
  readonly sessionStore?: SessionStore;
  readonly createScheduler?: (observer: SchedulerObserver) => StepScheduler;
  /** Epoch milliseconds, shared by the service and the store it creates. */
  readonly clock?: () => number;
}

const inferencePlugin: FastifyPluginAsync<InferencePluginOptions> = async (app, options) => {
  const { config, registry, metrics, clock } = options;
  const store =
    options.sessionStore ??
    createSessionStore(config, {
      ...(clock ? { clock } : {}),
      onError: (err) => app.log.error({ err }, 'session store connection error'),
    });
  const inference = new InferenceService({
    registry,
    store,
    metrics,
    maxSequenceLength: config.maxSequenceLength,
    maxRequestElements: config.maxRequestElements,
    maxBatchSequences: config.maxBatchSequences,
    sessionTtlSeconds: config.sessionTtlSeconds,
    sessionSlots: config.sessionSlots,
    sessionSlotIdleSeconds: config.sessionSlotIdleSeconds,
    log: app.log,
    ...(options.createScheduler ? { createScheduler: options.createScheduler } : {}),
    ...(clock ? { clock } : {}),
  });
  app.decorate('sessionStore', store);
  app.decorate('inference', inference);
  app.addHook('onClose', async () => {
    await inference.close();
    await store.close();
  });
};

export default fp(inferencePlugin, { name: 'inference', fastify: '5.x' });

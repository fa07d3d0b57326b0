// Decorates the app with `modelControl` (index, load, unload: src/model/repository/control.ts)
// and runs what keeps the repository current: the poller (MODEL_CONTROL=poll), the sweep that
// unloads retired versions no session uses any more, the metrics and one log line per change.
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import type { ServiceMetrics } from '../metrics.js';
import { ModelControl } from '../model/repository/control.js';
import type { ModelRepository, RepositoryChange } from '../model/repository/model-repository.js';
import { RepositoryPoller } from '../model/repository/poller.js';
import type { RepositoryMetrics } from '../model/repository/repository-metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    modelControl: ModelControl;
  }
}

export interface ModelRepositoryPluginOptions {
  readonly config: Config;
  readonly repository: ModelRepository;
  readonly metrics: ServiceMetrics;
}

/** The app's metrics the repository updates. */
export function repositoryMetrics(metrics: ServiceMetrics): RepositoryMetrics {
  return {
    modelsLoaded: metrics.modelsLoaded,
    versionReady: metrics.modelVersionLoaded,
    loadFailures: metrics.modelLoadFailures,
    loadDuration: metrics.modelLoadDuration,
  };
}

const modelRepositoryPlugin: FastifyPluginAsync<ModelRepositoryPluginOptions> = async (app, { config, repository, metrics }) => {
  repository.bindMetrics(repositoryMetrics(metrics));
  repository.onChange((change) => logChange(app.log, change));
  app.decorate('modelControl', new ModelControl(repository, config.modelControl));

  // Retired versions are checked a few times per session TTL (at most every minute).
  const sweep = setInterval(() => repository.sweepRetired(), Math.min(60_000, Math.max(1000, config.sessionTtlSeconds * 250))).unref();
  const poller =
    config.modelControl === 'poll'
      ? new RepositoryPoller(repository, {
          intervalMs: config.modelPollIntervalMs,
          debounceMs: config.modelPollDebounceMs,
          onError: (err) => app.log.error({ err }, 'model repository scan failed'),
        })
      : undefined;
  app.addHook('onReady', async () => poller?.start());
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    await poller?.stop();
  });
};

const MESSAGES: Record<RepositoryChange['change'], string> = {
  loaded: 'model version loaded',
  reloaded: 'model version reloaded: its package changed',
  failed: 'model version failed to load',
  kept: 'model version failed to reload: the loaded one keeps serving',
  retired: 'model version retired: it serves only the sessions created on it',
  unloaded: 'model version unloaded',
};

function logChange(log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void }, change: RepositoryChange): void {
  const fields = {
    model: change.model,
    ...(change.version !== '' ? { version: change.version } : {}),
    ...(change.detail !== undefined ? { detail: change.detail } : {}),
    ...(change.loadMs !== undefined ? { loadMs: change.loadMs } : {}),
  };
  if (change.change === 'failed') log.error(fields, MESSAGES.failed);
  else if (change.change === 'kept') log.warn(fields, MESSAGES.kept);
  else log.info(fields, MESSAGES[change.change]);
}

export default fp(modelRepositoryPlugin, { name: 'model-repository', fastify: '5.x' });

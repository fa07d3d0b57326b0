// The metrics alert rules need beyond traffic (deploy/prometheus/alerts.yml): readiness and the
// session store's health, read at each scrape as /readyz reads them, MAX_SESSIONS as a gauge so a
// rule can say "near the limit", and a count of requests the store failed. Readiness is a gauge
// rather than a probe of /readyz so Prometheus needs no blackbox exporter.
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import { routeLabel } from './route-label.js';

export interface OperationsMetricsOptions {
  readonly config: Config;
  /** True once the server drains: readiness is 0 then, as /readyz answers 503. */
  readonly isShuttingDown: () => boolean;
}

const STORE_UNAVAILABLE = 'STORE_UNAVAILABLE';

const operationsMetricsPlugin: FastifyPluginAsync<OperationsMetricsOptions> = async (app, { config, isShuttingDown }) => {
  const { ready, sessionStoreUp, maxSessions, storeErrors } = app.metrics;
  maxSessions.set(config.maxSessions);

  // prom-client awaits a metric's `collect` before reading it. One readiness check per scrape,
  // shared by both gauges (the first collect starts it, the second reuses it).
  let check: Promise<void> | undefined;
  const collect = async (): Promise<void> => {
    check ??= app.inference.readiness().then((report) => {
      ready.set(report.ready && !isShuttingDown() ? 1 : 0);
      sessionStoreUp.set(report.sessionStore === 'ok' ? 1 : 0);
    });
    try {
      await check;
    } finally {
      queueMicrotask(() => (check = undefined));
    }
  };
  for (const gauge of [ready, sessionStoreUp]) (gauge as typeof gauge & { collect?: () => Promise<void> }).collect = collect;

  app.addHook('onError', async (request, _reply, error) => {
    if ((error as { code?: unknown }).code === STORE_UNAVAILABLE) storeErrors.inc({ route: routeLabel(request) });
  });
};

export default fp(operationsMetricsPlugin, { name: 'operations-metrics', fastify: '5.x', dependencies: ['metrics', 'inference'] });

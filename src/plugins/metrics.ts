// HTTP metrics and the Prometheus endpoint. Every response is timed once, in onResponse,
// under its route pattern (see route-label.ts): a label per session id would grow the registry
// without bound.
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { ServiceMetrics } from '../metrics.js';
import { routeLabel } from './route-label.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ServiceMetrics;
  }
}

export interface MetricsPluginOptions {
  metrics: ServiceMetrics;
}

const metricsPlugin: FastifyPluginAsync<MetricsPluginOptions> = async (app, { metrics }) => {
  app.decorate('metrics', metrics);

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      { method: request.method, route: routeLabel(request), status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  app.get(
    '/metrics',
    // Hidden from OpenAPI: it speaks Prometheus' text format, not the JSON API (api.md lists it).
    { schema: { hide: true } },
    async (_request, reply) => {
      // A non-JSON content type makes Fastify send the string as is (no JSON serialization).
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};

export default fp(metricsPlugin, { name: 'metrics', fastify: '5.x' });

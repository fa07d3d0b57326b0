// HTTP metrics and the Prometheus endpoint. Every response is timed once, in onResponse,
// under its route pattern (see route-label.ts): a label per session id would grow the registry
// without bound. The histogram's fast series (metric-series/) of each route, method and status is
// bound the first time it is seen and kept, so a request observes it without hashing its labels.
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { FastHistogram, HistogramSeries } from '../metric-series/index.js';
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

  const durations = new RequestDurationSeries(metrics.httpRequestDuration);
  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    durations.series(routeLabel(request), request.method, reply.statusCode).observe(reply.elapsedTime / 1000);
    done();
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

/** The series of http_request_duration_seconds by route, then method, then status code. */
class RequestDurationSeries {
  private readonly byRoute = new Map<string, Map<string, Map<number, HistogramSeries>>>();

  constructor(private readonly histogram: FastHistogram<'method' | 'route' | 'status_code'>) {}

  series(route: string, method: string, statusCode: number): HistogramSeries {
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let child = byStatus.get(statusCode);
    if (child === undefined) {
      child = this.histogram.series({ method, route, status_code: String(statusCode) });
      byStatus.set(statusCode, child);
    }
    return child;
  }
}

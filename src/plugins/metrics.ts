// HTTP metrics and the Prometheus endpoint. Every response is timed once, in onResponse,
// under its route pattern (see route-label.ts): a label per session id would grow the registry
// without bound. The histogram's child of each route, method and status is bound the first time
// it is seen and kept, so a request observes it without prom-client hashing its labels.
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { Histogram } from 'prom-client';
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

  const durations = new RequestDurationChildren(metrics.httpRequestDuration);
  // A callback hook, not an async one: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    durations.child(routeLabel(request), request.method, reply.statusCode).observe(reply.elapsedTime / 1000);
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

type DurationChild = ReturnType<Histogram<'method' | 'route' | 'status_code'>['labels']>;

/** The children of http_request_duration_seconds by route, then method, then status code. */
class RequestDurationChildren {
  private readonly byRoute = new Map<string, Map<string, Map<number, DurationChild>>>();

  constructor(private readonly histogram: Histogram<'method' | 'route' | 'status_code'>) {}

  child(route: string, method: string, statusCode: number): DurationChild {
    let byMethod = this.byRoute.get(route);
    if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
    let child = byStatus.get(statusCode);
    if (child === undefined) {
      child = this.histogram.labels({ method, route, status_code: String(statusCode) });
      byStatus.set(statusCode, child);
    }
    return child;
  }
}

// The route a request is reported under, in metrics and logs: the PATTERN it matched
// (/v1/sessions/:id/steps), never the raw URL, so no session id or query string leaks into a
// label and the number of label values stays bounded.
import type { FastifyRequest } from 'fastify';

/** The label of requests that matched no route (404s, scanners): one value, not one per URL. */
export const UNMATCHED_ROUTE = 'unmatched';

export function routeLabel(request: FastifyRequest): string {
  // Fastify's 404 handler runs without a route, so its url is undefined.
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

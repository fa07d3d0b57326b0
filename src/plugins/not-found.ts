// Requests no route answers: 405 with `Allow` when the path exists under other methods (POST on
// /healthz, DELETE on a stream), 404 NOT_FOUND otherwise, both in the service's error shape.
// Fastify's router only says "no route for this method and path", so every route's path is
// also recorded, as it is added, in a second find-my-way router (the one Fastify uses) that
// answers "which methods does this path have" (decorated as app.allowedMethods, so a protocol
// with its own error shape, /v2, answers 405 the same way). Registered before the routes it must see.
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { abbreviated, errorBody, pathOf } from '../error-handler.js';
import { MethodNotAllowedError, RouteNotFoundError } from '../errors.js';

export interface NotFoundPluginOptions {
  readonly config: Pick<Config, 'maxParamLength'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods some route answers on this path (empty: no route has the path). */
    allowedMethods(path: string): HTTPMethod[];
  }
}

const noop = (): void => {};

const notFoundPlugin: FastifyPluginAsync<NotFoundPluginOptions> = async (app, { config }) => {
  // The same path semantics as Fastify's router (its defaults, and our parameter limit).
  const paths = FindMyWay({ maxParamLength: config.maxParamLength });
  const methods = new Set<HTTPMethod>();

  app.addHook('onRoute', (route) => {
    // A plugin's root route ('/' under a prefix such as /v2) is served at /v2 and at /v2/, but
    // reported once (with routePath '').
    const urls = route.routePath === '' && route.prefix !== '' ? [route.prefix, `${route.prefix}/`] : [route.url];
    for (const lowerOrUpper of Array.isArray(route.method) ? route.method : [route.method]) {
      const method = lowerOrUpper.toUpperCase() as HTTPMethod;
      for (const url of urls) {
        if (paths.hasRoute(method, url)) continue;
        paths.on(method, url, noop);
        methods.add(method);
      }
    }
  });

  const allowedMethods = (path: string): HTTPMethod[] => [...methods].filter((method) => paths.find(method, path) !== null);
  app.decorate('allowedMethods', allowedMethods);

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const allowed = allowedMethods(pathOf(request));
    const path = abbreviated(pathOf(request));
    if (allowed.length > 0) {
      const error = new MethodNotAllowedError(`${path} does not answer ${request.method}; it answers ${allowed.join(', ')}`);
      void reply.code(405).header('allow', allowed.join(', ')).send(errorBody({ statusCode: 405, code: error.code, message: error.message }));
      return;
    }
    const error = new RouteNotFoundError(`no route ${request.method} ${path}; GET / lists the entry points`);
    void reply.code(404).send(errorBody({ statusCode: 404, code: error.code, message: error.message }));
  });
};

export default fp(notFoundPlugin, { name: 'not-found', fastify: '5.x' });

// GET /: a small JSON pointer to what a person or a program looks for first.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const rootRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', { schema: { hide: true } }, async () => ({
    name: 'rnn-serve',
    docs: '/docs',
    openapi: '/openapi.json',
    playground: '/playground/',
    models: '/v1/models',
    health: '/healthz',
    readiness: '/readyz',
    metrics: '/metrics',
  }));
};

export default rootRoutes;

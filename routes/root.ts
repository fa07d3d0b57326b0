// GET /: what a person or a crawler finds at the server's address, instead of a 404: the
// service's name and version and where its entry points are (the docs first).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { readPackageInfo } from '../src/plugins/openapi.js';
import { ServiceIndex, ref } from '../src/schemas/index.js';

const rootRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { name, version, description } = readPackageInfo();
  const index: ServiceIndex = {
    name,
    version,
    description,
    docs: '/docs',
    openapi: '/openapi.json',
    playground: '/playground/',
    models: '/v1/models',
    health: '/healthz',
    ready: '/readyz',
    metrics: '/metrics',
  };

  app.get(
    '/',
    {
      schema: {
        tags: ['operations'],
        summary: 'Where the API starts: links to the documentation and the entry points',
        response: { 200: ref(ServiceIndex) },
      },
    },
    async () => index,
  );
};

export default rootRoutes;

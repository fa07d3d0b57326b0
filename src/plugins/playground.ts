// Serves the playground (built by `npm run build:playground` into build/playground) at
// /playground/, with @fastify/static. The page needs no key to load: it calls the API with the
// key its user types, like any client. When the page was not built, /playground/ says how to
// build it instead of a bare 404.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { RouteNotFoundError } from '../errors.js';

/** build/playground next to the sources (tsx) or next to dist/ (compiled). */
const CANDIDATES = ['../../build/playground', '../../../build/playground'];

export function findPlaygroundDir(): string | undefined {
  return CANDIDATES.map((candidate) => fileURLToPath(new URL(candidate, import.meta.url))).find((dir) => existsSync(`${dir}/index.html`));
}

const playgroundPlugin: FastifyPluginAsync = async (app) => {
  const root = findPlaygroundDir();
  app.get('/playground', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/playground/', 301));
  if (root === undefined) {
    app.get('/playground/*', { schema: { hide: true } }, async () => {
      throw new RouteNotFoundError('the playground is not built: run `npm run build:playground` (npm run build does it too)');
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/playground/',
    // Small files that change with each build: revalidate rather than cache for long.
    maxAge: 0,
    cacheControl: true,
    schemaHide: true,
  });
};

export default playgroundPlugin;

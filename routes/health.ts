// GET /healthz (the process runs) and GET /readyz (it can serve: models loaded, store answers).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Liveness, Readiness, ref } from '../src/schemas/index.js';

export interface HealthRoutesOptions {
  /** True once the server has begun shutting down: readiness fails so traffic moves away. */
  readonly isShuttingDown: () => boolean;
}

const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { isShuttingDown }) => {
  app.get(
    '/healthz',
    {
      schema: { tags: ['operations'], summary: 'Liveness: 200 while the process runs', response: { 200: ref(Liveness) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: 200 when a model is ready and the session store answers, else 503 with the reason',
        response: { 200: ref(Readiness), 503: ref(Readiness) },
      },
    },
    async (_request, reply) => {
      const report = await app.inference.readiness();
      const reason = isShuttingDown() ? 'the server is shutting down' : report.reason;
      const ready = reason === undefined;
      void reply.code(ready ? 200 : 503);
      return {
        status: ready ? ('ready' as const) : ('not_ready' as const),
        ...(reason !== undefined ? { reason } : {}),
        models_ready: report.modelsReady,
        models_failed: report.modelsFailed,
        session_store: report.sessionStore,
      };
    },
  );
};

export default healthRoutes;

// GET /v1/models and GET /v1/models/{model}: what is loaded, ready or failed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ModelInfo, ModelList, ModelParams, errorResponse, ref } from '../src/schemas/index.js';

const modelRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/models',
    {
      schema: {
        tags: ['models'],
        summary: 'List the model packages, ready or failed',
        response: { 200: ref(ModelList) },
      },
    },
    async () => ({ models: app.inference.listModels() }),
  );

  app.get(
    '/models/:model',
    {
      schema: {
        tags: ['models'],
        summary: 'Describe one model',
        params: ModelParams,
        response: { 200: ref(ModelInfo), 404: errorResponse('No such model (MODEL_NOT_FOUND)') },
      },
    },
    async (request) => app.inference.modelInfo(request.params.model),
  );
};

export default modelRoutes;

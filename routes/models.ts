// GET /v1/models and GET /v1/models/{model}[/versions/{version}]: what is loaded, ready or failed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ModelInfo, ModelList, ModelVersionParams, errorResponse, modelPaths, ref } from '../src/schemas/index.js';

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

  for (const path of modelPaths('')) {
    app.get(
      path,
      {
        schema: {
          tags: ['models'],
          summary: 'Describe one model: its serving version, or the version named, and every version it has',
          params: ModelVersionParams,
          response: {
            200: ref(ModelInfo),
            400: errorResponse('The version is not a version number (INVALID_INPUT)'),
            404: errorResponse('No such model, or no such version (MODEL_NOT_FOUND)'),
          },
        },
      },
      async (request) => app.inference.modelInfo(request.params.model, request.params.version),
    );
  }
};

export default modelRoutes;

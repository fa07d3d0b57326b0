// POST /v1/models/{model}/predict: whole sequences, no session. The body is either one
// sequence (inputs | tokens | text, state?) or a batch (sequences: [...]).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InvalidInputError } from '../src/errors.js';
import type { SequenceOutcome } from '../src/service/inference-service.js';
import { sendAnswer, stateToJson, toRows } from '../src/codec/outputs.js';
import {
  ModelVersionParams,
  PredictBatchResponse,
  PredictRequest,
  PredictResponse,
  errorResponse,
  modelPaths,
  ref,
} from '../src/schemas/index.js';
import { modelRef } from '../src/service/served-model.js';

const SINGLE_FIELDS = ['inputs', 'tokens', 'text', 'state', 'unknown'] as const;

const predictRoutes: FastifyPluginAsyncTypebox = async (app) => {
  for (const path of modelPaths('/predict')) {
  app.post(
    path,
    {
      schema: {
        tags: ['predict'],
        summary: 'Run whole sequences from a given (or zero) state',
        description:
          'One sequence: `{inputs | tokens | text, state?}` answers `{model, outputs, state}`. ' +
          'A batch: `{sequences: [...]}` (lengths may differ) answers `{model, results: [{outputs, state}]}`.',
        params: ModelVersionParams,
        body: ref(PredictRequest),
        response: {
          200: Type.Union([ref(PredictResponse), ref(PredictBatchResponse)], {
            description: 'PredictResponse for one sequence, PredictBatchResponse for a batch',
          }),
          400: errorResponse('Malformed input; the message names the position (INVALID_INPUT)'),
          404: errorResponse('No such model, or no such version loaded (MODEL_NOT_FOUND)'),
          413: errorResponse(
            'The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the request has more than MAX_BATCH_SEQUENCES ' +
              'sequences or MAX_REQUEST_ELEMENTS elements in all (REQUEST_TOO_LARGE)',
          ),
          422: errorResponse('The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT)'),
          503: errorResponse('The model failed to load (MODEL_NOT_READY)'),
        },
      },
    },
    async (request, reply) => {
      const { model } = request.params;
      const ref = modelRef(request.params);
      const body = request.body;
      if (body.sequences === undefined) {
        return sendAnswer(reply, { model, ...toJson(await app.inference.predict(ref, body)) });
      }
      const mixed = SINGLE_FIELDS.filter((field) => body[field] !== undefined);
      if (mixed.length > 0) {
        throw new InvalidInputError(`a batch request has only sequences; move ${mixed.join(', ')} into its sequences`);
      }
      const outcomes = await app.inference.predictBatch(ref, body.sequences);
      return sendAnswer(reply, { model, results: outcomes.map(toJson) });
    },
  );
  }
};

function toJson(outcome: SequenceOutcome) {
  return {
    outputs: toRows(outcome.outputs, outcome.steps, outcome.model.outputSize),
    state: stateToJson(outcome.model.stateLayout, outcome.state),
  };
}

export default predictRoutes;

// POST /v1/models/{model}/forecast and POST /v1/sessions/{id}/forecast: predictions fed back as
// inputs (src/service/forecast.ts has the semantics). Handlers only translate JSON to the service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { forecast, forecastInSession, type ForecastLimits, type ForecastResult } from '../src/service/forecast.js';
import { sendAnswer, stateToJson, toRows, type JsonText } from '../src/codec/outputs.js';
import {
  ForecastRequest,
  ForecastResponse,
  ModelVersionParams,
  modelPaths,
  SessionForecastRequest,
  SessionForecastResponse,
  SessionParams,
  errorResponse,
  ref,
} from '../src/schemas/index.js';
import { modelRef } from '../src/service/served-model.js';

export interface ForecastRoutesOptions {
  readonly limits: ForecastLimits;
}

const invalid = errorResponse(
  'Malformed input, a horizon out of range, or a model whose outputs cannot be its inputs (output_size != input_size) (INVALID_INPUT)',
);
const tooLarge = errorResponse(
  'The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the history plus horizon is more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE)',
);
const overflowed = errorResponse('The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT)');

const forecastRoutes: FastifyPluginAsyncTypebox<ForecastRoutesOptions> = async (app, { limits }) => {
  for (const path of modelPaths('/forecast')) {
  app.post(
    path,
    {
      schema: {
        tags: ['forecast'],
        summary: 'Forecast: run a history, then feed each prediction back as the next input',
        description:
          'For models with output_size = input_size. Feeding back is exactly what posting each returned prediction ' +
          'as the next input would do. The state returned has consumed the history and every prediction.',
        params: ModelVersionParams,
        body: ref(ForecastRequest),
        response: {
          200: ref(ForecastResponse),
          400: invalid,
          404: errorResponse('No such model, or no such version loaded (MODEL_NOT_FOUND)'),
          409: errorResponse('The model is bidirectional: whole-sequence predict only (WHOLE_SEQUENCE_MODEL)'),
          413: tooLarge,
          422: overflowed,
          503: errorResponse('The model failed to load (MODEL_NOT_READY)'),
        },
      },
    },
    async (request, reply) => {
      const { inputs, horizon, state, return_state } = request.body;
      const outcome = await forecast(app.inference, modelRef(request.params), { inputs, horizon, state }, limits);
      const answer = { model: outcome.model.name, outputs: predictionRows(outcome.result, outcome.model.outputSize) };
      return sendAnswer(reply, return_state === false ? answer : { ...answer, state: stateToJson(outcome.model.stateLayout, outcome.state) });
    },
  );
  }

  app.post(
    '/sessions/:id/forecast',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Forecast on a session, advancing it by the history and every prediction',
        params: SessionParams,
        body: ref(SessionForecastRequest),
        response: {
          200: ref(SessionForecastResponse),
          400: invalid,
          404: errorResponse('Unknown, deleted or expired session (SESSION_NOT_FOUND)'),
          409: errorResponse(
            "expected_t is not the session's t, or another replica wrote the session meanwhile (SEQUENCE_CONFLICT); " +
              'or the model package changed (MODEL_MISMATCH). Nothing was changed.',
          ),
          413: tooLarge,
          422: overflowed,
          503: errorResponse(
            "The session's model failed to load (MODEL_NOT_READY), or the session store does not answer (STORE_UNAVAILABLE, with Retry-After)",
          ),
        },
      },
    },
    async (request, reply) => {
      const { inputs, horizon, expected_t, return_state } = request.body;
      const outcome = await forecastInSession(
        app.inference,
        request.params.id,
        { inputs, horizon, ...(expected_t !== undefined ? { expectedT: expected_t } : {}) },
        limits,
      );
      const answer = {
        session_id: outcome.session.id,
        t: outcome.session.t,
        outputs: predictionRows(outcome.result, outcome.model.outputSize),
      };
      return sendAnswer(reply, return_state === true ? { ...answer, state: stateToJson(outcome.model.stateLayout, outcome.state) } : answer);
    },
  );
};

function predictionRows(result: ForecastResult, outputSize: number): JsonText {
  return toRows(result.outputs, result.horizon, outputSize);
}

export default forecastRoutes;

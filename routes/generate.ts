// POST /v1/models/{model}/generate and POST /v1/sessions/{id}/generate: text from a token model
// (src/service/generation.ts has the semantics). Handlers only translate JSON to the service.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { generateInputFromWire, generationToJson } from '../src/codec/generation.js';
import { sendAnswer, stateToJson } from '../src/codec/outputs.js';
import { generate, generateInSession, type GenerationLimits } from '../src/service/generation.js';
import {
  GenerateRequest,
  GenerateResponse,
  ModelVersionParams,
  modelPaths,
  SessionGenerateRequest,
  SessionGenerateResponse,
  SessionParams,
  errorResponse,
  ref,
} from '../src/schemas/index.js';
import { modelRef } from '../src/service/served-model.js';

export interface GenerateRoutesOptions {
  readonly limits: GenerationLimits;
}

const invalid = errorResponse(
  'Malformed input or parameters, or a model that cannot generate (no vocabulary, output_size not the vocabulary size) (INVALID_INPUT)',
);
const tooLarge = errorResponse(
  'The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or the prompt plus max_tokens is more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE)',
);
const overflowed = errorResponse('The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT)');
const notReady = errorResponse('The model failed to load (MODEL_NOT_READY)');

const generateRoutes: FastifyPluginAsyncTypebox<GenerateRoutesOptions> = async (app, { limits }) => {
  for (const path of modelPaths('/generate')) {
  app.post(
    path,
    {
      schema: {
        tags: ['generate'],
        summary: 'Generate tokens from a prompt with a token model',
        description:
          'Runs the prompt, then samples each next token from the model\'s outputs and feeds it back, until max_tokens ' +
          'or a stop string. The state returned has consumed the prompt and every generated token.',
        params: ModelVersionParams,
        body: ref(GenerateRequest),
        response: {
          200: ref(GenerateResponse),
          400: invalid,
          404: errorResponse('No such model, or no such version loaded (MODEL_NOT_FOUND)'),
          409: errorResponse('The model is bidirectional: whole-sequence predict only (WHOLE_SEQUENCE_MODEL)'),
          413: tooLarge,
          422: overflowed,
          503: notReady,
        },
      },
    },
    async (request, reply) => {
      const { state, return_state, ...rest } = request.body;
      const outcome = await generate(app.inference, modelRef(request.params), { ...generateInputFromWire(rest), state }, limits);
      const answer = { model: outcome.model.name, ...generationToJson(outcome.result) };
      return sendAnswer(reply, return_state === false ? answer : { ...answer, state: stateToJson(outcome.model.stateLayout, outcome.state) });
    },
  );
  }

  app.post(
    '/sessions/:id/generate',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Generate tokens on a session, advancing it by the prompt and every generated token',
        params: SessionParams,
        body: ref(SessionGenerateRequest),
        response: {
          200: ref(SessionGenerateResponse),
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
      const { expected_t, return_state, ...rest } = request.body;
      const outcome = await generateInSession(
        app.inference,
        request.params.id,
        { ...generateInputFromWire(rest), ...(expected_t !== undefined ? { expectedT: expected_t } : {}) },
        limits,
      );
      const answer = { session_id: outcome.session.id, t: outcome.session.t, ...generationToJson(outcome.result) };
      return sendAnswer(reply, return_state === true ? { ...answer, state: stateToJson(outcome.model.stateLayout, outcome.state) } : answer);
    },
  );
};

export default generateRoutes;

// Sessions: a server-held state advanced by steps (api.md "HTTP"). Handlers only translate
// between JSON and the inference service, which orders a session's requests and validates.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { answerJson, sendAnswer, sendJsonText, sessionToJson, stateToJson, toRows } from '../src/codec/outputs.js';
import {
  CreateSessionRequest,
  ResetRequest,
  Session,
  SessionParams,
  SessionWithState,
  StepRequest,
  StepResponse,
  errorResponse,
  ref,
} from '../src/schemas/index.js';

const notFound = errorResponse('Unknown, deleted or expired session (SESSION_NOT_FOUND)');
const invalid = errorResponse('Malformed input; the message names the position (INVALID_INPUT)');
const mismatch = errorResponse('The loaded package of the model is not the one the session was created with (MODEL_MISMATCH)');
const notReady = errorResponse(
  "The session's model failed to load (MODEL_NOT_READY), or the session store does not answer (STORE_UNAVAILABLE, with Retry-After)",
);
const storeUnavailable = errorResponse('The session store does not answer (STORE_UNAVAILABLE, with Retry-After)');

const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Open a session on a model',
        body: ref(CreateSessionRequest),
        response: {
          201: ref(Session),
          400: invalid,
          404: errorResponse('No such model (MODEL_NOT_FOUND)'),
          409: errorResponse('The model is bidirectional: whole-sequence predict only, no sessions (WHOLE_SEQUENCE_MODEL)'),
          429: errorResponse('MAX_SESSIONS sessions are open; see Retry-After (TOO_MANY_SESSIONS)'),
          503: notReady,
        },
      },
    },
    async (request, reply) => {
      const { model, version, state, ttl_seconds } = request.body;
      const session = await app.inference.createSession({
        model: version === undefined ? model : { name: model, version },
        state,
        ...(ttl_seconds !== undefined ? { ttlSeconds: ttl_seconds } : {}),
      });
      void reply.code(201).header('location', `/v1/sessions/${encodeURIComponent(session.id)}`);
      return sessionToJson(session);
    },
  );

  app.get(
    '/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'A session and its current state',
        params: SessionParams,
        response: { 200: ref(SessionWithState), 404: notFound, 409: mismatch, 503: notReady },
      },
    },
    async (request, reply) => {
      const { session, model } = await app.inference.getSession(request.params.id);
      return sendAnswer(reply, { ...sessionToJson(session), state: stateToJson(model.stateLayout, session.state) });
    },
  );

  app.post(
    '/sessions/:id/steps',
    {
      schema: {
        tags: ['sessions'],
        summary: "Feed elements to a session (after the session's earlier requests)",
        params: SessionParams,
        body: ref(StepRequest),
        response: {
          200: ref(StepResponse),
          400: invalid,
          404: notFound,
          409: errorResponse(
            "expected_t is not the session's t, or another replica wrote the session meanwhile (SEQUENCE_CONFLICT); " +
              'or the model package changed (MODEL_MISMATCH). Nothing was changed.',
          ),
          413: errorResponse(
            'The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), or has more than MAX_REQUEST_ELEMENTS elements (REQUEST_TOO_LARGE)',
          ),
          422: errorResponse('The computation overflowed float32; nothing was answered or changed (NON_FINITE_RESULT)'),
          503: notReady,
        },
      },
    },
    async (request, reply) => {
      const { expected_t, return_state, ...sequence } = request.body;
      const outcome = await app.inference.step(request.params.id, {
        ...sequence,
        ...(expected_t !== undefined ? { expectedT: expected_t } : {}),
      });
      // By template (the hot path): {"session_id","t","outputs","state"?}, as sendAnswer would write it.
      const outputs = toRows(outcome.outputs, outcome.steps, outcome.model.outputSize).json;
      const state = return_state === true ? `,"state":${answerJson(stateToJson(outcome.model.stateLayout, outcome.state))}` : '';
      return sendJsonText(reply, `{"session_id":${JSON.stringify(outcome.session.id)},"t":${outcome.session.t},"outputs":${outputs}${state}}`);
    },
  );

  app.post(
    '/sessions/:id/reset',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Start the session over at t = 0, from a given state or zeros',
        params: SessionParams,
        body: ref(ResetRequest),
        response: { 200: ref(Session), 400: invalid, 404: notFound, 503: notReady },
      },
      // The body is optional: a bare POST resets to zeros.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => sessionToJson(await app.inference.reset(request.params.id, request.body.state)),
  );

  app.delete(
    '/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Delete a session',
        params: SessionParams,
        response: { 204: Type.Null({ description: 'Deleted' }), 404: notFound, 503: storeUnavailable },
      },
    },
    async (request, reply) => {
      await app.inference.deleteSession(request.params.id);
      return reply.code(204).send(null);
    },
  );
};

export default sessionRoutes;

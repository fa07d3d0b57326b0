// The model repository extension (Triton's docs/protocol/extension_model_repository.md) under
// /v2/repository: index, load and unload, thin over app.modelControl (src/model/repository/).
// They need an admin key (ADMIN_API_KEYS) once any key is configured. Errors answer the
// extension's {"error": "..."} with the service's code beside it, {"error", "code"}, at the
// status of the Open Inference Protocol's table (src/oip/error-map.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError } from 'fastify';
import type { Config } from '../src/config.js';
import { toPublicError } from '../src/error-handler.js';
import { parseJsonBody } from '../src/json-body.js';
import { OIP_ERROR_TABLE } from '../src/oip/error-map.js';
import {
  RepositoryIndexRequest,
  RepositoryIndexResponse,
  RepositoryLoadRequest,
  RepositoryLoadResponse,
  RepositoryModelParams,
  RepositoryUnloadRequest,
  RepositoryUnloadResponse,
  repositoryError,
} from '../src/oip/repository-schemas.js';
import { adminRefusal, presentedApiKey } from '../src/plugins/auth.js';
import { BEARER_SCHEME } from '../src/plugins/openapi.js';

export interface RepositoryRoutesOptions {
  readonly config: Config;
}

const TAGS = ['model repository'];
const SECURED = [{ [BEARER_SCHEME]: [] }];
const UNAUTHORIZED = repositoryError('A key is configured and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED)');
const FORBIDDEN = repositoryError('The key is valid but not an admin key of ADMIN_API_KEYS (FORBIDDEN)');
const INVALID = repositoryError(
  'A malformed body or an unknown field (INVALID_INPUT), a body over BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE), MODEL_CONTROL is not explicit (MODEL_CONTROL_DISABLED), or the package failed to load (MODEL_LOAD_FAILED)',
);
const NOT_FOUND = repositoryError('No such folder in MODELS_DIR, or a name that is not one folder name (MODEL_NOT_FOUND)');

const repositoryRoutes: FastifyPluginAsyncTypebox<RepositoryRoutesOptions> = async (app, { config }) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const answer = toPublicError(error, request, config);
    const status = OIP_ERROR_TABLE[answer.code]?.http ?? answer.statusCode;
    if (answer.code === 'UNAUTHORIZED') {
      void reply.header('www-authenticate', presentedApiKey(request) === undefined ? 'Bearer' : 'Bearer error="invalid_token"');
    }
    void reply.code(status).send({ error: answer.message, code: answer.code });
  });

  // Triton's clients post these with an empty body as often as with '{}'.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    try {
      done(null, text.trim() === '' ? undefined : parseJsonBody(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // A request without a body is one without fields (the schemas then check an empty object).
  app.addHook('preValidation', async (request) => {
    request.body ??= {};
  });

  // onRequest: refused before the body is read.
  app.addHook('onRequest', async (request) => {
    const refusal = adminRefusal(presentedApiKey(request), app.apiKeys, app.adminKeys);
    if (refusal !== undefined) throw refusal;
  });

  app.post(
    '/index',
    {
      schema: {
        tags: TAGS,
        summary: 'Every model in MODELS_DIR or loaded, one entry per version, with its state',
        security: SECURED,
        body: RepositoryIndexRequest,
        response: { 200: RepositoryIndexResponse, 400: INVALID, 401: UNAUTHORIZED, 403: FORBIDDEN },
      },
    },
    async (request) => app.modelControl.index(request.body?.ready === true),
  );

  app.post(
    '/models/:model/load',
    {
      schema: {
        tags: TAGS,
        summary: 'Load or reload a model: read its folder again (new versions, changed packages, its policy); MODEL_CONTROL=explicit',
        description:
          'Answers once the versions its policy selects are loaded. A package that fails to load never replaces a working ' +
          'version: the answer is then 400 MODEL_LOAD_FAILED saying what still serves.',
        security: SECURED,
        params: RepositoryModelParams,
        body: RepositoryLoadRequest,
        response: { 200: RepositoryLoadResponse, 400: INVALID, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND },
      },
    },
    async (request) => {
      const report = await app.modelControl.load(request.params.model);
      return { name: report.model, versions: report.ready };
    },
  );

  app.post(
    '/models/:model/unload',
    {
      schema: {
        tags: TAGS,
        summary: 'Unload every version of a model, once the requests in flight on it have finished; MODEL_CONTROL=explicit',
        description:
          'New requests to the model are refused at once (MODEL_NOT_FOUND); its sessions answer 409 MODEL_VERSION_UNLOADED ' +
          'until it is loaded again or they are reset onto a loaded version.',
        security: SECURED,
        params: RepositoryModelParams,
        body: RepositoryUnloadRequest,
        response: { 200: RepositoryUnloadResponse, 400: INVALID, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: NOT_FOUND },
      },
    },
    async (request) => {
      await app.modelControl.unload(request.params.model);
      return { name: request.params.model };
    },
  );
};

export default repositoryRoutes;

// The Open Inference Protocol (KServe V2, Triton's HTTP frontend) under /v2: thin routes that
// translate to the same dataplane calls as /v1 (src/oip/infer.ts) and answer errors in the
// protocol's shape, {"error": "..."}, with the status of src/oip/error-map.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../src/config.js';
import { abbreviated, pathOf } from '../src/error-handler.js';
import { MethodNotAllowedError, RouteNotFoundError, UnauthorizedError } from '../src/errors.js';
import { toProtocolError } from '../src/oip/error-map.js';
import { inferLimits, runInference } from '../src/oip/infer.js';
import { OIP_EXTENSIONS, modelMetadata, serverIdentity } from '../src/oip/metadata.js';
import { modelRef } from '../src/service/served-model.js';
import { HEADER_LENGTH_HEADER, parseInferBody, writeInferBody } from '../src/oip/rest-body.js';
import {
  InferenceRequestDoc,
  InferenceResponseDoc,
  LiveResponse,
  ModelMetadataResponse,
  ModelParams,
  ModelReadyResponse,
  ModelVersionParams,
  ReadyResponse,
  ServerMetadataResponse,
  v2Error,
} from '../src/oip/rest-schemas.js';
import { BEARER_SCHEME } from '../src/plugins/openapi.js';
import { isAuthorized, presentedApiKey } from '../src/plugins/auth.js';

export interface V2RoutesOptions {
  readonly config: Config;
}

const TAGS = ['open inference protocol'];
const SECURED = [{ [BEARER_SCHEME]: [] }];
const UNAUTHORIZED = v2Error('API_KEYS is set and the request has no valid `Authorization: Bearer <key>`');
const NOT_FOUND = v2Error('No such model, or not that version');

interface ModelRoute {
  Params: { model: string; version?: string };
}

const v2Routes: FastifyPluginAsyncTypebox<V2RoutesOptions> = async (app, { config }) => {
  const server = serverIdentity();
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = toProtocolError(error, { bodyLimitBytes: config.bodyLimitBytes, requestId: request.id });
    if (answer.retryAfterSeconds !== undefined) void reply.header('retry-after', String(answer.retryAfterSeconds));
    void reply.code(answer.http).send({ error: answer.message });
  });
  // As for /v1 (src/plugins/not-found.ts): 405 with Allow on a path that exists, else 404.
  app.setNotFoundHandler((request, reply) => {
    const path = abbreviated(pathOf(request));
    const allowed = app.allowedMethods(pathOf(request));
    if (allowed.length > 0) {
      const message = new MethodNotAllowedError(`${path} does not answer ${request.method}; it answers ${allowed.join(', ')}`).message;
      void reply.code(405).header('allow', allowed.join(', ')).send({ error: message });
      return;
    }
    void reply.code(404).send({ error: new RouteNotFoundError(`no route ${request.method} ${path}`).message });
  });

  // Model routes need a key when API_KEYS is set; the server's health and metadata never do.
  app.addHook('onRequest', async (request, reply) => {
    if (!(request.routeOptions.url ?? '').startsWith('/v2/models/') || isAuthorized(request)) return;
    const presented = presentedApiKey(request) !== undefined;
    void reply.header('www-authenticate', presented ? 'Bearer error="invalid_token"' : 'Bearer');
    throw new UnauthorizedError(presented ? 'the API key is not valid' : "this route needs an API key: send 'Authorization: Bearer <key>'");
  });

  // The infer body is read raw, whatever its content type (Triton's client sends binary data
  // with or without one): rest-body.ts parses it within BODY_LIMIT_BYTES.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.bodyLimitBytes }, (_request, body, done) => {
    done(null, body);
  });

  app.get(
    '/',
    {
      schema: {
        tags: TAGS,
        summary: 'Server metadata: name, version and the protocol extensions it implements',
        response: { 200: ServerMetadataResponse },
      },
    },
    async () => ({ name: server.name, version: server.version, extensions: [...OIP_EXTENSIONS] }),
  );

  app.get(
    '/health/live',
    { schema: { tags: TAGS, summary: 'Server live: 200 while the process runs', response: { 200: LiveResponse } } },
    async () => ({ live: true }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        tags: TAGS,
        summary: 'Server ready: 200 when a model is ready and the session store answers, else 400 (the protocol: 4xx means false)',
        response: { 200: ReadyResponse, 400: ReadyResponse },
      },
    },
    async (_request, reply) => {
      const ready = !draining && (await app.inference.readiness()).ready;
      void reply.code(ready ? 200 : 400);
      return { ready };
    },
  );

  const modelMetadataRoute = {
    schema: {
      tags: TAGS,
      summary: 'Model metadata: versions, platform and the tensor contract (README "Open Inference Protocol")',
      security: SECURED,
      response: { 200: ModelMetadataResponse, 401: UNAUTHORIZED, 404: NOT_FOUND },
    },
  };
  const metadata = async (request: FastifyRequest<ModelRoute>) => {
    const { model, version } = request.params;
    return modelMetadata(app.inference.modelInfo(model, version));
  };
  app.get('/models/:model', { ...modelMetadataRoute, schema: { ...modelMetadataRoute.schema, params: ModelParams } }, metadata);
  app.get(
    '/models/:model/versions/:version',
    { ...modelMetadataRoute, schema: { ...modelMetadataRoute.schema, params: ModelVersionParams } },
    metadata,
  );

  const readySchema = {
    tags: TAGS,
    summary: 'Model ready: 200 when it can serve, 400 when its package failed to load',
    security: SECURED,
    response: { 200: ModelReadyResponse, 400: ModelReadyResponse, 401: UNAUTHORIZED, 404: NOT_FOUND },
  };
  const modelReady = async (request: FastifyRequest<ModelRoute>, reply: FastifyReply) => {
    const { model, version } = request.params;
    const ready = app.inference.modelInfo(model, version).status === 'ready';
    void reply.code(ready ? 200 : 400);
    return { name: model, ready };
  };
  app.get('/models/:model/ready', { schema: { ...readySchema, params: ModelParams } }, modelReady);
  app.get('/models/:model/versions/:version/ready', { schema: { ...readySchema, params: ModelVersionParams } }, modelReady);

  const inferSchema = {
    tags: TAGS,
    summary: 'Inference on a model: stateless, or one step of a sequence (parameters.sequence_id)',
    description:
      'The tensor contract: input `input` FP32 [B, T, input_size] or [T, input_size] (FP64, FP16 accepted); token models ' +
      'also `tokens` INT64/INT32 [B, T] or `text` BYTES [B]; optional `state_h`/`state_c` [B, num_layers, hidden_size]. ' +
      'Outputs `output` FP32 [B, T, output_size], `state_h`, `state_c`. Sequences: `sequence_id` (uint64 or string), ' +
      '`sequence_start` (creates or starts over the session of that id), `sequence_end` (deletes it after answering); B = 1.',
    security: SECURED,
    consumes: ['application/json', 'application/octet-stream'],
    body: InferenceRequestDoc,
    response: {
      200: InferenceResponseDoc,
      400: v2Error('Malformed request: shape, datatype, element count, binary sizes, sequence flags, or a body over BODY_LIMIT_BYTES'),
      401: UNAUTHORIZED,
      404: NOT_FOUND,
      409: v2Error('The session was created with another package of the model'),
      429: v2Error('MAX_SESSIONS sessions are open (Retry-After)'),
      503: v2Error('The model failed to load, the session store does not answer, or the server is shutting down'),
    },
  };
  const infer = async (request: FastifyRequest<ModelRoute>, reply: FastifyReply) => {
    const { model: name, version } = request.params;
    const model = app.inference.model(modelRef({ model: name, version }));
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const headerLength = request.headers[HEADER_LENGTH_HEADER];
    const parsed = parseInferBody(body, Array.isArray(headerLength) ? headerLength[0] : headerLength, {
      model: model.name,
      version,
      inputSize: model.inputSize,
    });
    const response = await runInference(app.inference, parsed.request, inferLimits(config), 'v2', parsed.binaryByDefault);
    const { payload, headerLength: responseHeaderLength } = writeInferBody(response);
    if (responseHeaderLength === undefined) return reply.type('application/json').send(payload);
    return reply.type('application/octet-stream').header(HEADER_LENGTH_HEADER, String(responseHeaderLength)).send(payload);
  };
  // The body is raw bytes (rest-body.ts validates it); the schema above documents it only.
  const passThrough = () => () => true;
  app.post('/models/:model/infer', { schema: { ...inferSchema, params: ModelParams }, validatorCompiler: passThrough }, infer);
  app.post(
    '/models/:model/versions/:version/infer',
    { schema: { ...inferSchema, params: ModelVersionParams }, validatorCompiler: passThrough },
    infer,
  );
};

export default v2Routes;

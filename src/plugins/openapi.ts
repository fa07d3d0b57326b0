// The OpenAPI 3.1 document of the HTTP API, generated from the route schemas
// (@fastify/swagger), served at /openapi.json and browsable at /docs (@fastify/swagger-ui).
// The document does not depend on the configuration, so the committed openapi/openapi.json
// (npm run openapi) describes every deployment: the bearer scheme is always declared, and the
// /v1 routes always list 401, which a deployment without API_KEYS simply never answers.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import type { SwaggerTransform } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync, FastifySchema } from 'fastify';
import { errorResponse } from '../schemas/common.js';

export const BEARER_SCHEME = 'bearerAuth';

const TAGS = [
  { name: 'models', description: 'Loaded models and their shapes' },
  { name: 'predict', description: 'Stateless inference over whole sequences' },
  { name: 'sessions', description: 'Stateful streams of steps, one hidden state per session' },
  { name: 'operations', description: 'Liveness and readiness probes' },
];

export interface PackageInfo {
  name: string;
  version: string;
  description: string;
}

/** package.json of this service, found by walking up from this file (src/ or dist/src/). */
export function readPackageInfo(): PackageInfo {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  const { name, version, description } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageInfo;
  return { name, version, description };
}

/**
 * Answers that come from the app, not from a route: the API key check on every /v1 route
 * (auth plugin), the body limit on every route with a body (BODY_LIMIT_BYTES), the path parameter
 * limit on every route with one (MAX_PARAM_LENGTH, error-handler.ts), and the HTTP parser's
 * refusals any request can meet (timeouts and oversized headers, client-error-handler.ts). They
 * are added here, for every route at once, unless a route documents them itself.
 */
const documentAppWideErrors: SwaggerTransform = ({ schema, url }) => {
  // Typed as always present, but a route without a schema has none.
  if ((schema as FastifySchema | undefined) === undefined || (url !== '/v1' && !url.startsWith('/v1/'))) {
    return { schema, url };
  }
  const response = (schema.response ?? {}) as Record<string, unknown>;
  return {
    url,
    schema: {
      ...schema,
      security: [{ [BEARER_SCHEME]: [] }],
      response: {
        ...response,
        401: response['401'] ?? UNAUTHORIZED_RESPONSE,
        408: response['408'] ?? REQUEST_TIMEOUT_RESPONSE,
        ...(schema.body !== undefined ? { 413: response['413'] ?? PAYLOAD_TOO_LARGE_RESPONSE } : {}),
        ...(url.includes('/:') ? { 414: response['414'] ?? URI_TOO_LONG_RESPONSE } : {}),
        431: response['431'] ?? HEADERS_TOO_LARGE_RESPONSE,
      },
    } as FastifySchema,
  };
};

const UNAUTHORIZED_RESPONSE = errorResponse(
  'API_KEYS is set and the request has no valid `Authorization: Bearer <key>` (UNAUTHORIZED)',
);
const PAYLOAD_TOO_LARGE_RESPONSE = errorResponse('The body is larger than BODY_LIMIT_BYTES (PAYLOAD_TOO_LARGE)');
const REQUEST_TIMEOUT_RESPONSE = errorResponse(
  'The headers did not arrive within HEADERS_TIMEOUT_MS, or the whole request within REQUEST_TIMEOUT_MS (REQUEST_TIMEOUT); the connection is closed',
);
const URI_TOO_LONG_RESPONSE = errorResponse('A path parameter is longer than MAX_PARAM_LENGTH characters (URI_TOO_LONG)');
const HEADERS_TOO_LARGE_RESPONSE = errorResponse(
  'The request line and headers are larger than MAX_HEADER_BYTES (HEADERS_TOO_LARGE); the connection is closed',
);

const openapiPlugin: FastifyPluginAsync = async (app) => {
  const { name, version, description } = readPackageInfo();
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: name, version, description },
      tags: TAGS,
      components: {
        securitySchemes: {
          [BEARER_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            description: 'One of the keys in API_KEYS. WebSocket streams also accept ?api_key=<key>.',
          },
        },
      },
    },
    // A shared schema (app.addSchema with an $id) becomes #/components/schemas/<$id>, so the
    // document names it as the code does, instead of @fastify/swagger's default def-<n>.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transform: documentAppWideErrors,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};

export default fp(openapiPlugin, { name: 'openapi', fastify: '5.x' });

// API-key authentication of the /v1 routes (api.md "API_KEYS"). With no keys configured the
// service is open. With keys, every request under /v1 needs `Authorization: Bearer <key>`;
// WebSocket upgrades under /v1 may instead pass `?api_key=<key>`, because browsers cannot set
// headers on a WebSocket. Health, metrics and the API documentation stay open for probes and
// scrapers. The admin role (ADMIN_API_KEYS): the model repository routes need an admin key as
// soon as any key is configured; an admin key is also accepted wherever an API key is.
import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';

export interface ApiKeyVerifier {
  /** False when no keys are configured: then every request is authorized. */
  readonly required: boolean;
  /** Whether `presented` is one of the configured keys, in time independent of where it differs. */
  accepts(presented: string | undefined): boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** API_KEYS and ADMIN_API_KEYS: what /v1, /v2/models and the gRPC model RPCs accept. */
    apiKeys: ApiKeyVerifier;
    /** ADMIN_API_KEYS, required on the repository routes when any key is configured. */
    adminKeys: ApiKeyVerifier;
  }
}

export interface AuthPluginOptions {
  config: Config;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function createApiKeyVerifier(apiKeys: readonly string[], required = apiKeys.length > 0): ApiKeyVerifier {
  // Hashing both sides gives equal-length buffers (timingSafeEqual requires it) and hides the
  // keys' lengths; every key is compared, with no early exit, so timing tells nothing either.
  const digests = apiKeys.map(sha256);
  return {
    required,
    accepts(presented) {
      if (presented === undefined) return false;
      const candidate = sha256(presented);
      let accepted = false;
      for (const digest of digests) {
        const match = timingSafeEqual(candidate, digest);
        accepted = accepted || match;
      }
      return accepted;
    },
  };
}

/** Routes under /v1 need a key; the rest (health, metrics, docs) never do. */
export function requiresApiKey(request: FastifyRequest): boolean {
  // The matched pattern when there is one, so router options (duplicate slashes, trailing
  // slashes) cannot route a request into /v1 past a raw-URL check; else the raw path.
  const path = request.routeOptions.url ?? request.url.split('?', 1)[0] ?? '';
  return path === '/v1' || path.startsWith('/v1/');
}

function isWebSocketUpgrade(request: FastifyRequest): boolean {
  return request.headers.upgrade?.toLowerCase() === 'websocket';
}

const BEARER = 'bearer ';

/** The key the client sent: the Bearer token, or `api_key` in the query of a WebSocket upgrade. */
export function presentedApiKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization ?? '';
  // Sliced rather than matched with a regex: no backtracking on a long hostile header.
  if (authorization.slice(0, BEARER.length).toLowerCase() === BEARER) {
    const token = authorization.slice(BEARER.length).trim();
    if (token !== '') return token;
  }
  if (isWebSocketUpgrade(request)) {
    const fromQuery = (request.query as Record<string, unknown> | undefined)?.api_key;
    if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  }
  return undefined;
}

/**
 * Whether the request may use the API: true when no keys are configured, else when it
 * presents one of them. Needs the auth plugin registered (it decorates `apiKeys`).
 */
export function isAuthorized(request: FastifyRequest): boolean {
  const verifier = request.server.apiKeys;
  return !verifier.required || verifier.accepts(presentedApiKey(request));
}

/**
 * The admin check of the model repository routes (REST and gRPC): undefined when the key may use
 * them, else the error to answer: UNAUTHORIZED (no key, or not a key at all), FORBIDDEN (a valid
 * key without the admin role).
 */
export function adminRefusal(presented: string | undefined, apiKeys: ApiKeyVerifier, adminKeys: ApiKeyVerifier): Error | undefined {
  if (!adminKeys.required || adminKeys.accepts(presented)) return undefined;
  if (presented === undefined) {
    return new UnauthorizedError("the model repository routes need an admin API key (ADMIN_API_KEYS): send 'Authorization: Bearer <key>'");
  }
  if (!apiKeys.accepts(presented)) return new UnauthorizedError('the API key is not valid');
  return new ForbiddenError('this API key does not have the admin role that the model repository routes need (ADMIN_API_KEYS)');
}

const authPlugin: FastifyPluginAsync<AuthPluginOptions> = async (app, { config }) => {
  app.decorate('apiKeys', createApiKeyVerifier([...config.apiKeys, ...config.adminApiKeys], config.apiKeys.length > 0));
  app.decorate('adminKeys', createApiKeyVerifier(config.adminApiKeys, config.apiKeys.length > 0 || config.adminApiKeys.length > 0));
  if (config.apiKeys.length === 0) return;

  // onRequest: refused before the body is read or parsed, and before a WebSocket upgrade.
  app.addHook('onRequest', async (request, reply) => {
    if (!requiresApiKey(request) || isAuthorized(request)) return;
    const presented = presentedApiKey(request) !== undefined;
    reply.header('www-authenticate', presented ? 'Bearer error="invalid_token"' : 'Bearer');
    throw new UnauthorizedError(
      presented
        ? 'the API key is not valid'
        : "this route needs an API key: send 'Authorization: Bearer <key>' (WebSocket clients may use ?api_key=<key>)",
    );
  });
};

export default fp(authPlugin, { name: 'auth', fastify: '5.x' });

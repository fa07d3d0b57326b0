// The WebSocket streams (api.md "WebSocket"; protocol in openapi/stream.md):
//   GET /v1/models/{model}/stream   a new session owned by the connection (deleted when it closes)
//   GET /v1/sessions/{id}/stream    an existing session
// The session is found or created in preHandler, before the upgrade: an unknown model or
// session, or a full session store, is refused with a plain HTTP error in the usual shape, and no
// socket ever exists. The handler then only hands the socket to app.streams. API keys are checked
// by the auth plugin's onRequest hook (a browser may pass ?api_key=).
import type { Socket } from 'node:net';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { InvalidInputError } from '../src/errors.js';
import { ModelParams, SessionParams } from '../src/schemas/index.js';
import type { SessionRecord } from '../src/sessions/session-store.js';
import type { StreamBinding } from '../src/stream/connection.js';

const notAnUpgrade = (): never => {
  throw new InvalidInputError(
    'this is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket); the protocol is in openapi/stream.md',
  );
};

const streamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /** The binding found before the upgrade, for the handler that runs after it. */
  const bindings = new WeakMap<FastifyRequest, StreamBinding>();

  const bindingOf = (request: FastifyRequest): StreamBinding => {
    const binding = bindings.get(request);
    if (binding === undefined) throw new Error('stream handler ran without the binding its preHandler makes');
    bindings.delete(request);
    return binding;
  };

  app.route({
    method: 'GET',
    url: '/models/:model/stream',
    // WebSocket routes are not OpenAPI operations: documented by hand in openapi/stream.md.
    schema: { params: ModelParams, hide: true },
    preHandler: async (request) => {
      if (!request.ws) return;
      const model = app.inference.model(request.params.model);
      const session = await app.inference.createSession({ model: model.name });
      bindings.set(request, { ...bindingFields(session), model, owned: true });
      // If the upgrade fails after this (a bad handshake, the client gone), no stream will own
      // the session: delete it when the raw socket closes without one. (Injected test upgrades
      // have no raw socket.)
      const rawSocket = request.raw.socket as Socket | undefined;
      rawSocket?.once('close', () => {
        if (bindings.has(request)) {
          bindings.delete(request);
          app.inference.deleteSession(session.id).catch(() => {});
        }
      });
    },
    handler: notAnUpgrade,
    wsHandler: (socket, request) => {
      app.streams.accept(socket, bindingOf(request), request.log);
    },
  });

  app.route({
    method: 'GET',
    url: '/sessions/:id/stream',
    schema: { params: SessionParams, hide: true },
    preHandler: async (request) => {
      if (!request.ws) return;
      const { session, model } = await app.inference.getSession(request.params.id);
      bindings.set(request, { ...bindingFields(session), model, owned: false });
    },
    handler: notAnUpgrade,
    wsHandler: (socket, request) => {
      app.streams.accept(socket, bindingOf(request), request.log);
    },
  });
};

function bindingFields(session: SessionRecord): Pick<StreamBinding, 'sessionId' | 't' | 'expiresAt' | 'ttlSeconds'> {
  return { sessionId: session.id, t: session.t, expiresAt: session.expiresAt, ttlSeconds: session.ttlSeconds };
}

export default streamRoutes;

// WebSocket support for the stream routes: @fastify/websocket with the stream limits, and the
// set of open streams, decorated as `app.streams`. Registered before the routes (the plugin
// wraps routes as they are added). At shutdown, streams answer what they already received and
// close with 1001 before the inference service and the session store close.
import websocket, { type WebsocketPluginOptions } from '@fastify/websocket';
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import type { ServiceMetrics } from '../metrics.js';
import { streamLimits } from './limits.js';
import { closeRefusedUpgrades } from './refused-upgrades.js';
import { StreamConnections } from './stream-connections.js';
import { streamSocketClass } from './stream-socket.js';

declare module 'fastify' {
  interface FastifyInstance {
    streams: StreamConnections;
  }
}

export interface StreamPluginOptions {
  readonly config: Config;
  readonly metrics: ServiceMetrics;
}

const streamPlugin: FastifyPluginAsync<StreamPluginOptions> = async (app, { config, metrics }) => {
  const limits = streamLimits(config);
  const streams = new StreamConnections(app.inference, limits, metrics);
  app.decorate('streams', streams);

  const serverOptions = {
    // Enforced by ws while a frame arrives, before it is buffered (StreamSocket turns ws's 1009
    // into the 1008 api.md promises).
    maxPayload: limits.maxFrameBytes,
    WebSocket: streamSocketClass(limits.maxFrameBytes),
    // A peer that does not answer our close frame is cut after this (ws >= 8.19; @types/ws
    // does not know the option yet, hence the cast below).
    closeTimeout: limits.closeTimeoutMs,
    // Compression costs more CPU than a few hundred bytes of floats save.
    perMessageDeflate: false,
  };

  // Added before the plugin's own preClose hooks, which wait for the streams to drain: from the
  // start of a shutdown no 'upgrade' listener is left, so Node hands a new upgrade to Fastify as
  // a plain request and the drain hook refuses it (503). A guard still listening would receive
  // it alone, with nobody to answer it.
  let stopGuarding = (): void => {};
  app.addHook('preClose', async () => stopGuarding());

  await app.register(websocket, {
    // (The cast also bridges @types/ws's CommonJS declarations, which @fastify/websocket's types
    // use, and its ESM ones, which this file sees: one class, two declarations.)
    options: serverOptions as unknown as WebsocketPluginOptions['options'],
    // Instead of the plugin's default (close every client at once, with no code): drain, then 1001.
    preClose: async () => {
      await streams.shutdown();
      app.websocketServer.close();
    },
    // ws reports a client's protocol violation (an oversized or malformed frame) here after it
    // has started closing the socket with the right code: log it, leave the close to ws.
    errorHandler(error, socket, request) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
        request.log.info({ err: error }, 'stream closed: the client broke the WebSocket protocol');
        return;
      }
      request.log.error({ err: error }, 'stream failed');
      socket.terminate();
    },
  });

  // A refused upgrade's answer says the connection closes (the guard below then closes it). Set
  // here too because Fastify may write a refusal (404, 405, a preHandler's 401) synchronously
  // within routing, before the guard's 'upgrade' listener runs and could still set the header.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.raw.headers.upgrade !== undefined) void reply.header('connection', 'close');
    done(null, payload);
  });

  // After the plugin's own 'upgrade' listener: the guard sees the response it assigned.
  stopGuarding = closeRefusedUpgrades(app.server, app.websocketServer, { timeoutMs: config.requestTimeoutMs, log: app.log });
};

export default fp(streamPlugin, { name: 'stream', fastify: '5.x', dependencies: ['inference'] });

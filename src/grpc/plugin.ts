// Decorates the app with `grpc`: the Open Inference Protocol's gRPC server, built on the app's
// dataplane. It listens only when asked (src/server.ts on GRPC_PORT; tests on port 0) and
// drains in preClose, before the dataplane it calls closes.
import fp from 'fastify-plugin';
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import { GrpcFrontend } from './server.js';

declare module 'fastify' {
  interface FastifyInstance {
    grpc: GrpcFrontend;
  }
}

export interface GrpcPluginOptions {
  readonly config: Config;
}

const grpcPlugin: FastifyPluginAsync<GrpcPluginOptions> = async (app, { config }) => {
  const frontend = new GrpcFrontend({
    config,
    inference: app.inference,
    apiKeys: app.apiKeys,
    adminKeys: app.adminKeys,
    modelControl: app.modelControl,
    metrics: app.metrics,
    log: app.log,
  });
  app.decorate('grpc', frontend);
  app.addHook('preClose', () => frontend.close());
};

export default fp(grpcPlugin, { name: 'grpc', fastify: '5.x', dependencies: ['inference', 'auth', 'metrics', 'model-repository'] });

// A gRPC client built at test time from the OFFICIAL protos in ../shared/oip (Triton's
// grpc_service.proto with its model_config.proto), the way a Triton or KServe user would build
// one (from the project's own proto in a clone without ../shared: see oip-protos.ts); and an app serving gRPC on a free port (so tests using this helper open sockets:
// test/integration).
import type { TestContext } from 'node:test';
import { Metadata, credentials, loadPackageDefinition, type Client, type ClientDuplexStream, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from './app.js';
import { SHARED_OIP_DIR } from './oip.js';
import { clientProto } from './oip-protos.js';

export { SHARED_OIP_DIR };

export type Unary = (request: object, metadata?: Metadata) => Promise<Record<string, unknown>>;

export interface OfficialClient {
  readonly client: Client;
  call(method: string, request?: object, metadata?: Metadata): Promise<Record<string, unknown>>;
  stream(metadata?: Metadata): ClientDuplexStream<object, Record<string, unknown>>;
}

/** A client of inference.GRPCInferenceService generated from Triton's official proto (or, alone, the project's). */
export function officialClient(address: string, t: TestContext): OfficialClient {
  const definition = loadSync(clientProto(), { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  const inference = loadPackageDefinition(definition).inference as GrpcObject;
  const Service = inference.GRPCInferenceService as ServiceClientConstructor;
  const client = new Service(address, credentials.createInsecure());
  t.after(() => client.close());
  const methods = client as unknown as Record<string, (...args: unknown[]) => unknown>;
  return {
    client,
    call: (method, request = {}, metadata = new Metadata()) =>
      new Promise((resolve, reject) => {
        methods[method]!.call(client, request, metadata, (error: Error | null, response: Record<string, unknown>) =>
          error ? reject(error) : resolve(response),
        );
      }),
    stream: (metadata = new Metadata()) => methods.ModelStreamInfer!.call(client, metadata) as ClientDuplexStream<object, Record<string, unknown>>,
  };
}

/** An app on `env` whose gRPC server listens on a free port of 127.0.0.1; closed after the test. */
export async function grpcApp(t: TestContext, env: Record<string, string> = {}, options: Parameters<typeof buildTestApp>[1] = {}): Promise<{ app: FastifyInstance; address: string }> {
  const app = await buildTestApp(env, options);
  t.after(() => app.close());
  const port = await app.grpc.listen(0, '127.0.0.1');
  return { app, address: `127.0.0.1:${port}` };
}

/** raw_output_contents[i] as numbers (FP32 little-endian). */
export function float32s(bytes: Buffer): number[] {
  return Array.from(new Float32Array(new Uint8Array(bytes).buffer));
}

/** An InferParameter of the official proto. */
export const param = {
  bool: (value: boolean) => ({ bool_param: value }),
  uint64: (value: number | string) => ({ uint64_param: String(value) }),
  int64: (value: number | string) => ({ int64_param: String(value) }),
  string: (value: string) => ({ string_param: value }),
};

// The service definition the gRPC server serves: the project's own proto/inference.proto,
// loaded with @grpc/proto-loader. Field names stay as in the .proto (raw_input_contents), 64-bit
// integers arrive as decimal strings (a uint64 sequence_id keeps every digit), and repeated
// fields are always arrays.
import { join } from 'node:path';
import { loadPackageDefinition, type GrpcObject, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { packageRoot } from '../oip/metadata.js';

export const PROTO_FILE = join(packageRoot(), 'proto', 'inference.proto');

export const LOADER_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: false, arrays: true, oneofs: true };

export function inferenceServiceDefinition(): ServiceDefinition {
  const loaded = loadPackageDefinition(loadSync(PROTO_FILE, LOADER_OPTIONS));
  const inference = loaded.inference as GrpcObject;
  return (inference.GRPCInferenceService as unknown as { service: ServiceDefinition }).service;
}

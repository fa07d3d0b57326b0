// proto/inference.proto is wire compatible with the official Open Inference Protocol protos
// (../shared/oip: Triton's grpc_service.proto and KServe's open_inference_grpc.proto): the same
// package and service, every RPC at the same path with the same message types and streaming,
// and every message, nested message, map entry and field with the same number, name, type and
// label. Runs when ../shared exists; the own proto loads everywhere.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSync, type MessageTypeDefinition, type PackageDefinition, type ServiceDefinition } from '@grpc/proto-loader';
import { PROTO_FILE } from '../../src/grpc/proto.js';
import { SHARED_OIP_DIR } from '../helpers/oip.js';
import { officialTritonProto } from '../helpers/oip-protos.js';

interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
  oneofIndex: number;
}
interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType: MessageDescriptor[];
  oneofDecl: { name: string }[];
  options: { mapEntry?: boolean } | null;
}

const OURS = loadSync(PROTO_FILE, { keepCase: true });
const SERVICE = 'inference.GRPCInferenceService';

function message(definition: PackageDefinition, name: string): MessageDescriptor | undefined {
  const entry = definition[name] as MessageTypeDefinition<unknown, unknown> | undefined;
  return entry?.type as MessageDescriptor | undefined;
}

/** Every field of `ours` exists in `official` with the same number, name, label and type; nested types recursively. */
function assertSameMessage(ours: MessageDescriptor, official: MessageDescriptor, where: string): number {
  let checked = 0;
  assert.equal(Boolean(ours.options?.mapEntry), Boolean(official.options?.mapEntry), `${where}: map entry or not`);
  for (const field of ours.field) {
    const twin = official.field.find((candidate) => candidate.number === field.number);
    assert.ok(twin, `${where}.${field.name}: field number ${field.number} exists in the official proto`);
    for (const key of ['name', 'label', 'type', 'typeName'] as const) {
      assert.equal(field[key], twin[key], `${where}.${field.name}: ${key}`);
    }
    const oneof = (descriptor: MessageDescriptor, f: FieldDescriptor) => (descriptor.oneofDecl.length > 0 ? descriptor.oneofDecl[f.oneofIndex]?.name : undefined);
    assert.equal(oneof(ours, field), oneof(official, twin), `${where}.${field.name}: oneof`);
    checked++;
  }
  for (const nested of ours.nestedType) {
    const twin = official.nestedType.find((candidate) => candidate.name === nested.name);
    assert.ok(twin, `${where}.${nested.name} exists in the official proto`);
    checked += assertSameMessage(nested, twin, `${where}.${nested.name}`);
  }
  return checked;
}

function assertCompatible(official: PackageDefinition, rpcs: readonly string[]): number {
  const ourService = OURS[SERVICE] as ServiceDefinition;
  const theirService = official[SERVICE] as ServiceDefinition | undefined;
  assert.ok(theirService, `the official proto defines ${SERVICE}`);
  let fields = 0;
  for (const rpc of rpcs) {
    const ours = ourService[rpc];
    const theirs: ServiceDefinition[string] | undefined = theirService[rpc];
    assert.ok(ours && theirs, `${rpc} is in both`);
    assert.equal(ours.path, theirs.path, `${rpc}: path`);
    assert.equal(ours.requestStream, theirs.requestStream, `${rpc}: request streaming`);
    assert.equal(ours.responseStream, theirs.responseStream, `${rpc}: response streaming`);
  }
  for (const name of Object.keys(OURS).filter((key) => key !== SERVICE)) {
    const theirs = message(official, name);
    assert.ok(theirs, `${name} exists in the official proto`);
    fields += assertSameMessage(message(OURS, name)!, theirs, name);
  }
  return fields;
}

const CORE_RPCS = ['ServerLive', 'ServerReady', 'ModelReady', 'ServerMetadata', 'ModelMetadata', 'ModelInfer'];
/** Triton's model repository extension (issue 14): in Triton's proto, not in KServe's. */
const REPOSITORY_RPCS = ['RepositoryIndex', 'RepositoryModelLoad', 'RepositoryModelUnload'];

describe('proto/inference.proto', () => {
  it('declares package inference, service GRPCInferenceService and the RPCs the server implements', () => {
    const service = OURS[SERVICE] as ServiceDefinition;
    assert.deepEqual(Object.keys(service), [...CORE_RPCS, 'ModelStreamInfer', ...REPOSITORY_RPCS]);
    assert.equal(service.ModelStreamInfer!.requestStream && service.ModelStreamInfer!.responseStream, true);
  });

  // The official files are reference material beside the repository (../shared/oip), not in it:
  // these comparisons exist where that folder does (as in CI), and a clone alone has none to skip.
  const tritonDir = SHARED_OIP_DIR;
  const official = existsSync(join(tritonDir, 'triton_grpc_service.proto'));

  if (official) it("matches Triton's grpc_service.proto field by field", () => {
    const fields = assertCompatible(loadSync(officialTritonProto(), { keepCase: true }), [...CORE_RPCS, 'ModelStreamInfer', ...REPOSITORY_RPCS]);
    assert.ok(fields > 60, `${fields} fields compared`);
  });

  if (official) it("matches KServe's open_inference_grpc.proto for the core RPCs", () => {
    const kserve = loadSync(join(tritonDir, 'kserve_open_inference_grpc.proto'), { keepCase: true });
    // Triton's own additions: its stream and the model repository extension.
    const ours = Object.keys(OURS).filter(
      (key) => key !== SERVICE && key !== 'inference.ModelStreamInferResponse' && !/^inference\.(Repository|ModelRepositoryParameter)/.test(key),
    );
    for (const rpc of CORE_RPCS) assert.ok((kserve[SERVICE] as ServiceDefinition)[rpc], rpc);
    let fields = 0;
    for (const name of ours) {
      const theirs = message(kserve, name);
      assert.ok(theirs, `${name} exists in the KServe proto`);
      fields += assertSameMessage(message(OURS, name)!, theirs, name);
    }
    assert.ok(fields > 50, `${fields} fields compared`);
  });
});

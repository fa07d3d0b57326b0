// Server and model metadata of the Open Inference Protocol, the same on REST and gRPC.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelInfo } from '../schemas/models.js';
import { modelTensors, type TensorMetadata } from './tensor-contract.js';

/** The extensions both transports implement (GET /v2, ServerMetadata). */
export const OIP_EXTENSIONS = ['binary_tensor_data', 'model_repository', 'parameters', 'sequence', 'sequence(string_id)'] as const;

export interface ServerMetadata {
  readonly name: string;
  readonly version: string;
  readonly extensions: string[];
}

export interface ModelMetadata {
  readonly name: string;
  readonly versions: string[];
  readonly platform: string;
  readonly inputs: TensorMetadata[];
  readonly outputs: TensorMetadata[];
}

/** Every ready version of the model (the repository's numbers; a flat package is version "1"). */
export function modelMetadata(info: ModelInfo): ModelMetadata {
  const ready = (info.versions ?? []).filter((version) => version.status === 'ready').map((version) => version.version);
  return {
    name: info.name,
    versions: ready.length > 0 ? ready : [info.version ?? '1'],
    platform: `rnn-serve_${info.architecture ?? 'unknown'}`,
    ...modelTensors(info),
  };
}

/** This package's directory (found from src/oip or dist/src/oip): package.json and proto/ live there. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

let identity: { name: string; version: string } | undefined;

/** The server's name and version (package.json), for server metadata. */
export function serverIdentity(): { name: string; version: string } {
  if (identity === undefined) {
    const { name, version } = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
    identity = { name, version };
  }
  return identity;
}

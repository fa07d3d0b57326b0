// The model catalog (GET /v1/models, /v1/models/{model}[/versions/{version}]): what the
// repository holds, failed packages included, in the api.md shape. Apart from the dataplane,
// which only needs ready models.
import { ModelNotFoundError } from '../errors.js';
import { isVersionName } from '../model/repository/layout.js';
import type { ModelRepository } from '../model/repository/model-repository.js';
import type { ModelInfo } from '../schemas/models.js';
import { toModelInfo } from './model-info.js';

export function listModels(repository: ModelRepository): ModelInfo[] {
  return repository.list().map((entry) => toModelInfo(entry, repository.versions(entry.name)));
}

/**
 * The model at its serving version, or at `version`: MODEL_NOT_FOUND when no package has this
 * name, or it has no such version (failed packages are listed too).
 */
export function modelInfo(repository: ModelRepository, name: string, version?: string): ModelInfo {
  const entry = repository.get(name);
  if (entry === undefined) throw new ModelNotFoundError(`model '${name}' is not loaded`);
  const versions = repository.versions(name);
  if (version === undefined) return toModelInfo(entry, versions);
  if (!isVersionName(version)) {
    throw new ModelNotFoundError(`model '${name}' has no version '${version}' (versions are numbers: 1, 2, ...)`);
  }
  const chosen = versions.find((candidate) => candidate.version === version);
  if (chosen === undefined) {
    const ready = versions.filter((candidate) => candidate.status === 'ready').map((candidate) => `'${candidate.version}'`);
    const serves = ready.length === 0 ? 'no version' : ready.length === 1 ? `version ${ready[0]}` : `versions ${ready.join(', ')}`;
    throw new ModelNotFoundError(`model '${name}' has no version '${version}'; it serves ${serves}`);
  }
  return toModelInfo(chosen, versions);
}

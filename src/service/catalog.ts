// The model catalog (GET /v1/models, /v1/models/{model}): what the registry holds, failed packages
// included, in the api.md shape. Apart from the dataplane, which only needs ready models.
import { ModelNotFoundError } from '../errors.js';
import type { ModelRegistry } from '../model/registry.js';
import type { ModelInfo } from '../schemas/models.js';
import { toModelInfo } from './model-info.js';

export function listModels(registry: ModelRegistry): ModelInfo[] {
  return registry.list().map(toModelInfo);
}

/** MODEL_NOT_FOUND when no package has this name; failed packages are listed too. */
export function modelInfo(registry: ModelRegistry, name: string): ModelInfo {
  const entry = registry.get(name);
  if (entry === undefined) throw new ModelNotFoundError(`model '${name}' is not loaded`);
  return toModelInfo(entry);
}

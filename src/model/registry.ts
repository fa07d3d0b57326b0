// The earlier name of the model repository (src/model/repository/), kept so that code written
// against "the registry" (list, get, load) reads the same live set of versions.
export { ModelRepository as ModelRegistry } from './repository/model-repository.js';
export type { ModelEntry, NetworkFactory, LoadOptions as RegistryOptions } from './repository/entry.js';

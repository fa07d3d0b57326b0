// The model repository: versions on disk (layout, policy), the live set (ModelRepository), the
// poller of MODEL_CONTROL=poll and the in-flight count that unload waits for.
export { ModelRepository } from './model-repository.js';
export type { IndexEntry, LoadReport, RepositoryChange, RepositoryOptions, VersionState } from './model-repository.js';
export type { ModelEntry, NetworkFactory, LoadOptions } from './entry.js';
export { RepositoryPoller } from './poller.js';
export { badModelName, isVersionName } from './layout.js';
export { parseModelFile, selectVersions, DEFAULT_POLICY } from './policy.js';
export type { VersionPolicy } from './policy.js';
export type { RepositoryMetrics } from './repository-metrics.js';
export { ModelControl } from './control.js';

// The model layer's public surface: reading packages from disk and the repository of loaded model versions.
export { ModelPackageError } from './errors.js';
export { ModelConfigFile, parseModelConfig, toNetworkSpec, outputWidth, DEFAULT_TENSOR_PREFIX } from './config-schema.js';
export type { ModelConfig, AffineNormalizationConfig } from './config-schema.js';
export { resolveNormalization, normalizeValues, denormalizeValues } from './normalization.js';
export type { AffineNormalization, PackageNormalization } from './normalization.js';
export { parseSafetensors } from './safetensors.js';
export { parseNpy } from './npy.js';
export { parseNpz } from './npz.js';
export type { Tensor, TensorMap } from './tensor.js';
export { loadModelPackage } from './package-loader.js';
export type { LoadedPackage } from './package-loader.js';
export { ModelRepository } from './repository/index.js';
export type { ModelEntry, NetworkFactory, LoadOptions, RepositoryOptions } from './repository/index.js';

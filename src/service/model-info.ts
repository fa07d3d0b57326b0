// A model version as the models endpoint shows it (api.md ModelInfo), with every version of it.
import { outputWidth } from '../model/config-checks.js';
import type { ModelEntry } from '../model/repository/entry.js';
import type { ModelInfo } from '../schemas/models.js';

export function toModelInfo(entry: ModelEntry, versions: readonly ModelEntry[] = [entry]): ModelInfo {
  const info: ModelInfo = { name: entry.name, status: entry.status, version: entry.version };
  if (entry.error !== undefined) info.error = entry.error;
  info.versions = versions.map((other) => ({
    version: other.version,
    status: other.status,
    ...(other.error !== undefined ? { error: other.error } : {}),
  }));
  const config = entry.config;
  if (config === undefined) return info;
  info.architecture = config.architecture;
  info.input_size = config.input_size;
  info.hidden_size = config.hidden_size;
  info.num_layers = config.num_layers;
  if (config.direction === 'bidirectional') info.bidirectional = true;
  if (config.direction !== 'forward') info.direction = config.direction;
  info.output_size = outputWidth(config);
  info.output_activation = config.output_activation;
  if (config.vocab !== undefined) info.vocab = [...config.vocab];
  if (config.labels !== undefined) info.labels = [...config.labels];
  if (config.description !== undefined) info.description = config.description;
  if (config.version !== undefined) info.package_version = config.version;
  if (entry.network?.engine !== undefined) info.engine = { name: entry.network.engine.name, isa: entry.network.engine.isa };
  return info;
}

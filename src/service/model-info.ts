// A registry entry as the models endpoint shows it (api.md ModelInfo).
import { outputWidth } from '../model/config-checks.js';
import type { ModelEntry } from '../model/registry.js';
import type { ModelInfo } from '../schemas/models.js';

export function toModelInfo(entry: ModelEntry): ModelInfo {
  const info: ModelInfo = { name: entry.name, status: entry.status };
  if (entry.error !== undefined) info.error = entry.error;
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
  if (config.version !== undefined) info.version = config.version;
  return info;
}

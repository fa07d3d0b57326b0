// A ready registry entry, with what serving it needs precomputed once: widths, the state
// layout, the vocabulary index and the normalization. Failed or unknown models never get here.
import type { Architecture, RecurrentNetwork } from '../engine/types.js';
import { ModelNotFoundError, ModelNotReadyError } from '../errors.js';
import type { ModelConfig } from '../model/config-schema.js';
import type { AffineNormalization } from '../model/normalization.js';
import type { ModelEntry, ModelRegistry } from '../model/registry.js';

/** How a flat state splits into h (and c) rows: see stateSize in src/engine/types.ts. */
export interface StateLayout {
  readonly architecture: Architecture;
  /** Rows of h (and c): layers x directions, PyTorch's h_n order. */
  readonly numLayers: number;
  readonly hiddenSize: number;
}

export interface ServedModel {
  readonly name: string;
  readonly identity: string;
  readonly config: ModelConfig;
  readonly network: RecurrentNetwork;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly stateSize: number;
  readonly stateLayout: StateLayout;
  /** Bidirectional or reverse: whole sequences only (no sessions, streams, generate, forecast). */
  readonly wholeSequence: boolean;
  /** Token models: vocabulary entry -> id. */
  readonly vocabIndex?: ReadonlyMap<string, number>;
  /** Token models with config unk_token: its id, what unknown "replace" puts in. */
  readonly unknownTokenId?: number;
  readonly inputNormalization?: AffineNormalization;
  readonly outputNormalization?: AffineNormalization;
}

/** Resolves model names to ServedModels, preparing each registry entry once. */
export class ServedModels {
  private readonly prepared = new WeakMap<ModelEntry, ServedModel>();

  constructor(private readonly registry: ModelRegistry) {}

  /** The ready model called `name`; MODEL_NOT_FOUND (404) or MODEL_NOT_READY (503) otherwise. */
  get(name: string): ServedModel {
    const entry = this.registry.get(name);
    if (entry === undefined) throw new ModelNotFoundError(`model '${name}' is not loaded`);
    let served = this.prepared.get(entry);
    if (served === undefined) {
      served = prepare(entry);
      this.prepared.set(entry, served);
    }
    return served;
  }
}

function prepare(entry: ModelEntry): ServedModel {
  const { config, network, identity } = entry;
  if (entry.status !== 'ready' || config === undefined || network === undefined || identity === undefined) {
    throw new ModelNotReadyError(`model '${entry.name}' is not ready: ${entry.error ?? 'its package did not load'}`);
  }
  return {
    name: entry.name,
    identity,
    config,
    network,
    inputSize: network.spec.inputSize,
    outputSize: network.spec.outputSize,
    stateSize: network.stateSize,
    stateLayout: {
      architecture: config.architecture,
      numLayers: config.num_layers * (config.direction === 'bidirectional' ? 2 : 1),
      hiddenSize: config.hidden_size,
    },
    wholeSequence: config.direction !== 'forward',
    ...(config.vocab !== undefined ? { vocabIndex: new Map(config.vocab.map((token, id) => [token, id])) } : {}),
    ...(config.vocab !== undefined && config.unk_token !== undefined ? { unknownTokenId: config.vocab.indexOf(config.unk_token) } : {}),
    ...(entry.normalization?.input !== undefined ? { inputNormalization: entry.normalization.input } : {}),
    ...(entry.normalization?.output !== undefined ? { outputNormalization: entry.normalization.output } : {}),
  };
}

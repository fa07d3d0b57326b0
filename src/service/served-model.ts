// A ready version of a model, with what serving it needs precomputed once: widths, the state
// layout, the vocabulary index and the normalization. Failed or unknown models never get here.
// Which version a request gets: the one it names, else the newest ready one; a session's own
// (src/model/repository/ keeps versions that sessions still use).
import type { Architecture, RecurrentNetwork } from '../engine/types.js';
import { ModelNotFoundError, ModelNotReadyError, ModelVersionUnloadedError } from '../errors.js';
import type { ModelConfig } from '../model/config-schema.js';
import type { AffineNormalization } from '../model/normalization.js';
import type { ModelEntry } from '../model/repository/entry.js';
import { isVersionName } from '../model/repository/layout.js';
import type { ModelRepository } from '../model/repository/model-repository.js';

/** A model by name, optionally at one version (without one: the newest ready version). */
export type ModelRef = string | { readonly name: string; readonly version?: string | undefined };

/** The ModelRef of route parameters {model, version?}. */
export function modelRef(params: { readonly model: string; readonly version?: string | undefined }): ModelRef {
  return params.version === undefined ? params.model : { name: params.model, version: params.version };
}

/** What a session records of the model it runs on. */
export interface SessionModel {
  readonly id: string;
  readonly model: string;
  readonly modelVersion?: string | undefined;
}

/** How a flat state splits into h (and c) rows: see stateSize in src/engine/types.ts. */
export interface StateLayout {
  readonly architecture: Architecture;
  /** Rows of h (and c): layers x directions, PyTorch's h_n order. */
  readonly numLayers: number;
  readonly hiddenSize: number;
}

export interface ServedModel {
  readonly name: string;
  /** The repository version ("1" for a flat package). */
  readonly version: string;
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

/** Resolves model names to ServedModels, preparing each loaded version once. */
export class ServedModels {
  private readonly prepared = new WeakMap<ModelEntry, ServedModel>();

  constructor(private readonly repository: ModelRepository) {}

  /**
   * The ready model `ref` names: MODEL_NOT_FOUND (404) for an unknown model or a version that is
   * not loaded (or not a version number at all), MODEL_NOT_READY (503) when no version of it loaded.
   */
  get(ref: ModelRef): ServedModel {
    const name = typeof ref === 'string' ? ref : ref.name;
    const version = typeof ref === 'string' ? undefined : ref.version;
    if (version === undefined || version === '') {
      const entry = this.repository.get(name);
      if (entry === undefined) throw new ModelNotFoundError(`model '${name}' is not loaded`);
      return this.serve(entry);
    }
    if (!isVersionName(version)) {
      throw new ModelNotFoundError(`model '${name}' has no version '${version}' (versions are numbers: 1, 2, ...)`);
    }
    const entry = this.repository.version(name, version);
    if (entry !== undefined) return this.serve(entry);
    const known = this.repository.get(name);
    if (known === undefined) throw new ModelNotFoundError(`model '${name}' is not loaded`);
    throw new ModelNotFoundError(`model '${name}' has no version '${version}'; it serves ${this.servingList(name)}`);
  }

  /**
   * The version a session was created on, while this server has it loaded (also when newer ones
   * serve new requests). MODEL_VERSION_UNLOADED (409) when it does not: unloaded here, or not yet
   * loaded on this replica. A session recorded before versions existed runs on the newest one.
   */
  forSession(session: SessionModel): ServedModel {
    if (session.modelVersion === undefined) return this.get(session.model);
    const entry = this.repository.sessionVersion(session.model, session.modelVersion);
    if (entry !== undefined) return this.serve(entry);
    const serving = this.repository.get(session.model)?.status === 'ready' ? `; this server serves ${this.servingList(session.model)}` : '';
    throw new ModelVersionUnloadedError(
      `session '${session.id}' runs on version ${session.modelVersion} of model '${session.model}', which this server has not loaded` +
        `${serving}; reset the session to move it to the current version, or create a new one`,
    );
  }

  private servingList(name: string): string {
    const versions = this.repository.versions(name).filter((entry) => entry.status === 'ready').map((entry) => `'${entry.version}'`);
    if (versions.length === 0) return 'no version';
    return versions.length === 1 ? `version ${versions[0]}` : `versions ${versions.join(', ')}`;
  }

  private serve(entry: ModelEntry): ServedModel {
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
    version: entry.version,
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

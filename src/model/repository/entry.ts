// One version of one model, loaded from its package folder into a ready network, or the reason
// it failed. A failure is a value, never a throw: the repository decides what a failed load
// replaces (never a working version).
import { createNetwork as createFastNetwork, withDirectionalLayers } from '../../engine/index.js';
import type { NetworkSpec, NetworkWeights, RecurrentNetwork } from '../../engine/types.js';
import type { ModelConfig } from '../config-schema.js';
import { ModelPackageError } from '../errors.js';
import { resolveNormalization, type PackageNormalization } from '../normalization.js';
import { loadModelPackage } from '../package-loader.js';

export type NetworkFactory = (spec: NetworkSpec, weights: NetworkWeights, options: { maxBatch?: number }) => RecurrentNetwork;

export interface LoadOptions {
  /** Builds the (forward) network of each package; defaults to the engine's fast createNetwork. */
  readonly createNetwork?: NetworkFactory;
  /** Largest stepBatch batch, passed to the factory. */
  readonly maxBatch?: number;
}

export interface ModelEntry {
  readonly name: string;
  /** The repository version: the numbered folder's name, "1" for a flat package. */
  readonly version: string;
  readonly dir: string;
  readonly status: 'ready' | 'failed';
  /** Why the package failed to load (status 'failed'). */
  readonly error?: string;
  readonly config?: ModelConfig;
  readonly network?: RecurrentNetwork;
  /** sha256 of the package files (see LoadedPackage.identity). */
  readonly identity?: string;
  /** The config's normalization resolved to typed arrays; absent when it declares none. */
  readonly normalization?: PackageNormalization;
  /** Milliseconds from reading the folder to a ready network (or the failure). */
  readonly loadMs?: number;
}

/** Reverse and bidirectional models are composed of the factory's forward layers. */
export function networkFactory(options: LoadOptions): NetworkFactory {
  return withDirectionalLayers(options.createNetwork ?? createFastNetwork);
}

/** `label` starts every message: the model's name, or "name/version" for a version folder. */
export async function loadEntry(
  dir: string,
  name: string,
  version: string,
  label: string,
  factory: NetworkFactory,
  maxBatch: number | undefined,
): Promise<ModelEntry> {
  const started = performance.now();
  const loadMs = (): number => Math.round((performance.now() - started) * 10) / 10;
  try {
    const loaded = await loadModelPackage(dir, label);
    const network = factory(loaded.spec, loaded.weights, maxBatch !== undefined ? { maxBatch } : {});
    const normalization = resolveNormalization(loaded.config);
    return {
      name,
      version,
      dir,
      status: 'ready',
      config: loaded.config,
      network,
      identity: loaded.identity,
      ...(normalization !== undefined ? { normalization } : {}),
      loadMs: loadMs(),
    };
  } catch (error) {
    const message = error instanceof ModelPackageError ? error.message : `${label}: ${(error as Error).message}`;
    return { name, version, dir, status: 'failed', error: message, loadMs: loadMs() };
  }
}

/** A model that could not even be read as a folder of versions (a dangling link, a bad model.json). */
export function failedEntry(name: string, version: string, dir: string, error: string): ModelEntry {
  return { name, version, dir, status: 'failed', error };
}

// The registry: what is loaded and ready, separate from the repository of folders on disk.
// Every subfolder of the models directory is a model, and so is a symbolic link to a folder
// (a package kept elsewhere, or a version picked by relinking); one that fails to load, or a link
// that leads nowhere, is kept as 'failed' with its message (the models endpoint shows it) and
// never stops the others.

import type { Dirent } from 'node:fs';
import { readdir, readlink, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createNetwork as createFastNetwork, withDirectionalLayers } from '../engine/index.js';
import type { NetworkSpec, NetworkWeights, RecurrentNetwork } from '../engine/types.js';
import type { ModelConfig } from './config-schema.js';
import { ModelPackageError } from './errors.js';
import { resolveNormalization, type PackageNormalization } from './normalization.js';
import { loadModelPackage } from './package-loader.js';

export type NetworkFactory = (spec: NetworkSpec, weights: NetworkWeights, options: { maxBatch?: number }) => RecurrentNetwork;

export interface RegistryOptions {
  /** Builds the (forward) network of each package; defaults to the engine's fast createNetwork. */
  readonly createNetwork?: NetworkFactory;
  /** Largest stepBatch batch, passed to the factory. */
  readonly maxBatch?: number;
}

export interface ModelEntry {
  readonly name: string;
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
  /** Milliseconds from reading the folder to a ready network (or the failure); logged at debug. */
  readonly loadMs?: number;
}

/** A folder to load, or a symbolic link that cannot be followed to one (listed as failed). */
interface ModelDir {
  readonly name: string;
  readonly error?: string;
}

/** What a symbolic link in the models directory is: a folder to load, a file to skip, or an error. */
async function followLink(modelsDir: string, entry: Dirent): Promise<ModelDir | undefined> {
  const path = join(modelsDir, entry.name);
  try {
    return (await stat(path)).isDirectory() ? { name: entry.name } : undefined;
  } catch (error) {
    const target = await readlink(path).catch(() => '?');
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'which does not exist'
      : code === 'ELOOP' ? 'which loops back on itself (too many levels of symbolic links)'
      : `which cannot be read (${(error as Error).message})`;
    return { name: entry.name, error: `${entry.name}: symbolic link to '${target}', ${why}` };
  }
}

async function listModelDirs(modelsDir: string): Promise<ModelDir[]> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(modelsDir)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ModelPackageError(`models directory '${modelsDir}' does not exist`, { cause: error });
    }
    throw new ModelPackageError(`models directory '${modelsDir}' cannot be read (${(error as Error).message})`, { cause: error });
  }
  if (!isDirectory) throw new ModelPackageError(`models directory '${modelsDir}' is not a directory`);
  // Hidden folders (.git, editor state) are not models.
  const entries = (await readdir(modelsDir, { withFileTypes: true })).filter((entry) => !entry.name.startsWith('.'));
  const dirs = await Promise.all(
    entries.map((entry) => (entry.isSymbolicLink() ? followLink(modelsDir, entry) : entry.isDirectory() ? { name: entry.name } : undefined)),
  );
  return dirs.filter((dir) => dir !== undefined);
}

async function loadEntry(dir: string, name: string, factory: NetworkFactory, maxBatch: number | undefined): Promise<ModelEntry> {
  const started = performance.now();
  const loadMs = (): number => Math.round((performance.now() - started) * 10) / 10;
  try {
    const loaded = await loadModelPackage(dir);
    const network = factory(loaded.spec, loaded.weights, maxBatch !== undefined ? { maxBatch } : {});
    const normalization = resolveNormalization(loaded.config);
    return {
      name,
      dir,
      status: 'ready',
      config: loaded.config,
      network,
      identity: loaded.identity,
      ...(normalization !== undefined ? { normalization } : {}),
      loadMs: loadMs(),
    };
  } catch (error) {
    const message = error instanceof ModelPackageError ? error.message : `${name}: ${(error as Error).message}`;
    return { name, dir, status: 'failed', error: message, loadMs: loadMs() };
  }
}

export class ModelRegistry {
  private readonly entries: ReadonlyMap<string, ModelEntry>;

  private constructor(entries: readonly ModelEntry[]) {
    this.entries = new Map([...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((e) => [e.name, e]));
  }

  /** Loads every model folder under modelsDir; throws only when modelsDir itself is unusable. */
  static async load(modelsDir: string, options: RegistryOptions = {}): Promise<ModelRegistry> {
    const root = resolve(modelsDir);
    const dirs = await listModelDirs(root);
    // Reverse and bidirectional models are composed of the factory's forward layers.
    const factory = withDirectionalLayers(options.createNetwork ?? createFastNetwork);
    const entries = await Promise.all(
      dirs.map(({ name, error }): ModelEntry | Promise<ModelEntry> =>
        error !== undefined ? { name, dir: join(root, name), status: 'failed', error } : loadEntry(join(root, name), name, factory, options.maxBatch),
      ),
    );
    return new ModelRegistry(entries);
  }

  /** Every model, ready or failed, sorted by name. */
  list(): ModelEntry[] {
    return [...this.entries.values()];
  }

  get(name: string): ModelEntry | undefined {
    return this.entries.get(name);
  }
}

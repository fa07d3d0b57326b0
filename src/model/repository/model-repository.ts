// The live set of model versions: what is loaded from the repository on disk (layout.ts), which
// version serves, and every change at run time (load, unload, poll). One home for the rules:
// - without a version, a request gets the newest ready version of its model;
// - a package that fails to load never replaces a working version (a reload of version 2 that
//   fails keeps the loaded version 2; a new version 3 that fails leaves version 2 serving);
// - a version the policy no longer selects (a newer one arrived, its folder was removed) is
//   retired: it serves only the sessions created on it, until none has used it for retireAfterMs,
//   so a rolling update never fails a request of an open session;
// - an explicit unload takes every version out at once, answering once the engine jobs in
//   flight on them are done (the sessions on it then answer MODEL_VERSION_UNLOADED).
// Operations on one model run one at a time, in order.
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ModelNotFoundError } from '../../errors.js';
import { failedEntry, loadEntry, networkFactory, type LoadOptions, type ModelEntry, type NetworkFactory } from './entry.js';
import { InFlightJobs } from './in-flight.js';
import { badModelName, fingerprint, listModelDirs, readLayout } from './layout.js';
import { DEFAULT_POLICY, readPolicy, selectVersions, type VersionPolicy } from './policy.js';
import type { RepositoryMetrics } from './repository-metrics.js';

/** The model repository extension's states. */
export type VersionState = 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';

/** One row of POST /v2/repository/index. */
export interface IndexEntry {
  readonly name: string;
  readonly version?: string;
  readonly state: VersionState;
  readonly reason: string;
}

export type ChangeKind = 'loaded' | 'reloaded' | 'failed' | 'kept' | 'retired' | 'unloaded';

/** One change of the live set, for the log (one line each) and tests. */
export interface RepositoryChange {
  readonly model: string;
  readonly version: string;
  readonly change: ChangeKind;
  readonly detail?: string;
  readonly loadMs?: number;
}

export interface LoadReport {
  readonly model: string;
  /** Versions ready after the load. */
  readonly ready: string[];
  /** Versions whose package failed to load, with why. */
  readonly failed: { readonly version: string; readonly error: string }[];
}

export interface RepositoryOptions extends LoadOptions {
  /** A retired version is unloaded once no session has used it for this long (default 15 minutes). */
  readonly retireAfterMs?: number;
  readonly clock?: () => number;
  readonly metrics?: RepositoryMetrics;
}

interface RetiredVersion {
  readonly entry: ModelEntry;
  lastUsed: number;
}

interface ModelSlot {
  readonly name: string;
  readonly dir: string;
  /** Loaded versions the policy selects; the newest serves requests without a version. */
  readonly live: Map<string, ModelEntry>;
  readonly retired: Map<string, RetiredVersion>;
  /** The latest failed load of a version: its listing when not live, why the loaded one was kept when live. */
  readonly failures: Map<string, ModelEntry>;
  /** The model folder itself could not be read (a dangling link, a bad model.json). */
  error?: string;
  policy: VersionPolicy;
  state: 'serving' | 'loading' | 'unloading' | 'unloaded' | 'removed';
  /** What the poller saw when this model was last loaded. */
  fingerprint?: string;
  queue: Promise<unknown>;
}

const byVersion = (a: string, b: string): number => Number(a) - Number(b);
const DEFAULT_RETIRE_MS = 15 * 60_000;

export class ModelRepository {
  readonly root: string;
  readonly inFlight = new InFlightJobs();
  private readonly slots = new Map<string, ModelSlot>();
  private readonly factory: NetworkFactory;
  private readonly maxBatch: number | undefined;
  private readonly retireAfterMs: number;
  private readonly clock: () => number;
  private metrics: RepositoryMetrics | undefined;
  private readonly listeners: ((change: RepositoryChange) => void)[] = [];

  private constructor(modelsDir: string, options: RepositoryOptions) {
    this.root = resolve(modelsDir);
    this.factory = networkFactory(options);
    this.maxBatch = options.maxBatch;
    this.retireAfterMs = options.retireAfterMs ?? DEFAULT_RETIRE_MS;
    this.clock = options.clock ?? Date.now;
    this.metrics = options.metrics;
  }

  /** Loads every model folder under modelsDir; throws only when modelsDir itself is unusable. */
  static async load(modelsDir: string, options: RepositoryOptions = {}): Promise<ModelRepository> {
    const repository = new ModelRepository(modelsDir, options);
    const dirs = await listModelDirs(repository.root);
    await Promise.all(
      dirs.map(async ({ name, error }) => {
        const slot = repository.slot(name);
        if (error === undefined) {
          await repository.loadSlot(slot);
          return;
        }
        slot.error = error;
        slot.state = 'serving';
      }),
    );
    repository.updateGauges();
    return repository;
  }

  /** Metrics from now on (the app's registry), the loads already done counted. */
  bindMetrics(metrics: RepositoryMetrics): void {
    this.metrics = metrics;
    this.updateGauges();
  }

  onChange(listener: (change: RepositoryChange) => void): void {
    this.listeners.push(listener);
  }

  /** Every model that is loaded or failed to load, one entry each (its serving version), sorted by name. */
  list(): ModelEntry[] {
    return [...this.slots.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((slot) => this.shown(slot))
      .filter((entry) => entry !== undefined);
  }

  /** The entry requests without a version get: the newest ready version, else why none is. */
  get(name: string): ModelEntry | undefined {
    const slot = this.slots.get(name);
    return slot === undefined ? undefined : this.shown(slot);
  }

  /** Every version known of a model: loaded ones and the latest failure of the others. */
  versions(name: string): ModelEntry[] {
    const slot = this.slots.get(name);
    if (slot === undefined || !isListed(slot)) return [];
    const entries = new Map<string, ModelEntry>(slot.failures);
    for (const [version, entry] of slot.live) entries.set(version, entry);
    return [...entries.values()].sort((a, b) => byVersion(a.version, b.version));
  }

  /** A loaded version requests may name (not a retired one). */
  version(name: string, version: string): ModelEntry | undefined {
    return this.slots.get(name)?.live.get(version);
  }

  /** The version a session was created on, loaded or retired; undefined once it is unloaded. */
  sessionVersion(name: string, version: string): ModelEntry | undefined {
    const slot = this.slots.get(name);
    if (slot === undefined) return undefined;
    const live = slot.live.get(version);
    if (live !== undefined) return live;
    const retired = slot.retired.get(version);
    if (retired === undefined) return undefined;
    retired.lastUsed = this.clock();
    return retired.entry;
  }

  /** True when the repository has loaded (or tried to load) a model of this name and not unloaded it. */
  knows(name: string): boolean {
    const slot = this.slots.get(name);
    return slot !== undefined && slot.state !== 'unloaded' && slot.state !== 'removed';
  }

  /** The repository index (model repository extension): every model on disk or loaded, with each version's state. */
  async index(readyOnly = false): Promise<IndexEntry[]> {
    const onDisk = new Set((await listModelDirs(this.root)).map((dir) => dir.name));
    const rows: IndexEntry[] = [];
    const names = [...new Set([...onDisk, ...this.slots.keys()])].sort();
    for (const name of names) {
      const slot = this.slots.get(name);
      if (slot === undefined) {
        rows.push({ name, state: 'UNAVAILABLE', reason: 'not loaded' });
        continue;
      }
      rows.push(...this.indexRows(slot, onDisk.has(name)));
    }
    return readyOnly ? rows.filter((row) => row.state === 'READY') : rows;
  }

  /** The names of the model folders on disk now (the poller's scan). */
  async modelNames(): Promise<string[]> {
    return (await listModelDirs(this.root)).map((dir) => dir.name);
  }

  /** The poller's summary of a model folder, and the one it had when last loaded. */
  async fingerprints(name: string): Promise<{ now: string; loaded: string | undefined }> {
    return { now: await fingerprint(join(this.root, name)), loaded: this.slots.get(name)?.fingerprint };
  }

  /**
   * Reads the model's folder again and loads what changed: new versions, changed packages,
   * a new policy. MODEL_NOT_FOUND when MODELS_DIR has no such folder. Resolves with what is
   * ready and what failed (a failure never replaced a working version).
   */
  loadModel(name: string): Promise<LoadReport> {
    const why = badModelName(name);
    if (why !== undefined) return Promise.reject(new ModelNotFoundError(`${why}; nothing was loaded`));
    return this.serialized(name, async (slot) => {
      const dir = join(this.root, name);
      const found = await stat(dir).then((info) => info.isDirectory(), () => false);
      if (!found) {
        if (slot.live.size === 0 && slot.retired.size === 0 && slot.state !== 'serving') this.slots.delete(name);
        throw new ModelNotFoundError(`the models directory has no folder '${name}'; nothing was loaded`);
      }
      await this.loadSlot(slot);
      this.updateGauges();
      const failed = [...slot.failures.values()].map((entry) => ({ version: entry.version, error: entry.error ?? 'failed' }));
      if (slot.error !== undefined) failed.push({ version: '', error: slot.error });
      return { model: name, ready: [...slot.live.keys()].sort(byVersion), failed };
    });
  }

  /**
   * Stops serving every version of the model: new requests are refused at once, and this resolves
   * once the engine jobs in flight on those versions are done. MODEL_NOT_FOUND for a name the
   * repository has never loaded.
   */
  unloadModel(name: string): Promise<void> {
    const why = badModelName(name);
    if (why !== undefined) return Promise.reject(new ModelNotFoundError(`${why}; nothing was unloaded`));
    if (!this.slots.has(name)) return Promise.reject(new ModelNotFoundError(`model '${name}' is not loaded; nothing was unloaded`));
    return this.serialized(name, async (slot) => {
      if (slot.state === 'unloaded') return;
      const versions = [...new Set([...slot.live.keys(), ...slot.retired.keys()])];
      slot.state = 'unloading';
      slot.live.clear();
      slot.retired.clear();
      slot.failures.clear();
      slot.error = undefined;
      slot.fingerprint = undefined;
      this.updateGauges();
      await this.inFlight.drained(name, versions);
      slot.state = 'unloaded';
      for (const version of versions.sort(byVersion)) this.emit({ model: name, version, change: 'unloaded', detail: 'unload requested' });
    });
  }

  /** The model's folder is gone (the poller saw it): its versions retire, serving their sessions only. */
  removeModel(name: string): Promise<void> {
    return this.serialized(name, async (slot) => {
      const now = this.clock();
      for (const [version, entry] of slot.live) {
        slot.retired.set(version, { entry, lastUsed: now });
        this.emit({ model: name, version, change: 'retired', detail: 'its folder was removed from the models directory' });
      }
      slot.live.clear();
      slot.failures.clear();
      slot.error = undefined;
      slot.fingerprint = undefined;
      slot.state = 'removed';
      if (slot.retired.size === 0) this.slots.delete(name);
      this.updateGauges();
    });
  }

  /** Unloads retired versions no session has used for retireAfterMs. */
  sweepRetired(): void {
    const now = this.clock();
    for (const slot of this.slots.values()) {
      for (const [version, retired] of slot.retired) {
        if (now - retired.lastUsed < this.retireAfterMs) continue;
        slot.retired.delete(version);
        this.emit({ model: slot.name, version, change: 'unloaded', detail: `retired, and no session used it for ${Math.round(this.retireAfterMs / 1000)} s` });
      }
      if (slot.state === 'removed' && slot.retired.size === 0) this.slots.delete(slot.name);
    }
    this.updateGauges();
  }

  private slot(name: string): ModelSlot {
    let slot = this.slots.get(name);
    if (slot === undefined) {
      slot = {
        name,
        dir: join(this.root, name),
        live: new Map(),
        retired: new Map(),
        failures: new Map(),
        policy: DEFAULT_POLICY,
        state: 'loading',
        queue: Promise.resolve(),
      };
      this.slots.set(name, slot);
    }
    return slot;
  }

  private serialized<T>(name: string, operation: (slot: ModelSlot) => Promise<T>): Promise<T> {
    const slot = this.slot(name);
    const run = slot.queue.then(() => operation(slot));
    slot.queue = run.catch(() => {});
    return run;
  }

  private async loadSlot(slot: ModelSlot): Promise<void> {
    const { name, dir } = slot;
    const before = slot.state;
    slot.state = before === 'serving' ? 'serving' : 'loading';
    // Taken before reading: a change made while this load reads is seen by the next poll.
    const seen = await fingerprint(dir);
    let layout: Awaited<ReturnType<typeof readLayout>>;
    try {
      slot.policy = await readPolicy(dir, name);
      layout = await readLayout(dir);
    } catch (error) {
      const message = (error as Error).message;
      slot.error = message;
      slot.fingerprint = seen;
      slot.state = 'serving';
      this.metrics?.loadFailures.inc({ model: name });
      this.emit({ model: name, version: '', change: slot.live.size > 0 ? 'kept' : 'failed', detail: message });
      return;
    }
    slot.error = undefined;
    const selected = selectVersions(slot.policy, [...layout.versions.keys()]).map(String);
    const loaded = await Promise.all(
      selected.map((version) => {
        const label = layout.versioned ? `${name}/${version}` : name;
        return loadEntry(layout.versions.get(Number(version))!, name, version, label, this.factory, this.maxBatch);
      }),
    );
    for (const entry of loaded) {
      this.metrics?.loadDuration.observe({ model: name }, (entry.loadMs ?? 0) / 1000);
      const previous = slot.live.get(entry.version) ?? slot.retired.get(entry.version)?.entry;
      if (entry.status === 'failed') {
        this.metrics?.loadFailures.inc({ model: name });
        slot.failures.set(entry.version, entry);
        const kept = slot.live.has(entry.version);
        this.emit({
          model: name,
          version: entry.version,
          change: kept ? 'kept' : 'failed',
          detail: kept ? `${entry.error}; the loaded package of this version keeps serving` : entry.error!,
          loadMs: entry.loadMs!,
        });
        continue;
      }
      slot.failures.delete(entry.version);
      slot.retired.delete(entry.version);
      if (previous !== undefined && previous.identity === entry.identity) {
        slot.live.set(entry.version, previous); // unchanged: the same object, prepared once
        continue;
      }
      slot.live.set(entry.version, entry);
      this.emit({
        model: name,
        version: entry.version,
        change: previous === undefined ? 'loaded' : 'reloaded',
        ...(previous !== undefined ? { detail: 'the package changed under the same version: its sessions answer MODEL_MISMATCH' } : {}),
        loadMs: entry.loadMs!,
      });
    }
    const wanted = new Set(selected);
    for (const version of slot.failures.keys()) if (!wanted.has(version)) slot.failures.delete(version);
    // Versions the policy dropped retire, but only once a selected version serves: a new
    // version that failed to load never takes the working one away.
    const anySelectedReady = selected.some((version) => slot.live.has(version));
    if (anySelectedReady) {
      const now = this.clock();
      for (const [version, entry] of slot.live) {
        if (wanted.has(version)) continue;
        slot.live.delete(version);
        slot.retired.set(version, { entry, lastUsed: now });
        this.emit({ model: name, version, change: 'retired', detail: 'no longer selected by its version policy; it serves only the sessions created on it' });
      }
    }
    slot.fingerprint = seen;
    slot.state = 'serving';
  }

  /** What the catalog shows for a model: its serving version, else the newest failure. */
  private shown(slot: ModelSlot): ModelEntry | undefined {
    if (!isListed(slot)) return undefined;
    const serving = newest(slot.live);
    if (serving !== undefined) return serving;
    const failure = newest(slot.failures);
    if (failure !== undefined) return failure;
    if (slot.error !== undefined) return failedEntry(slot.name, '1', slot.dir, slot.error);
    if (slot.state === 'loading') return undefined;
    return failedEntry(slot.name, '1', slot.dir, `${slot.name}: no version folder is selected by its version policy`);
  }

  private indexRows(slot: ModelSlot, onDisk: boolean): IndexEntry[] {
    const { name } = slot;
    if (slot.state === 'unloading') return [{ name, state: 'UNLOADING', reason: 'unloading: waiting for the requests in flight' }];
    if (slot.state === 'unloaded') return [{ name, state: 'UNAVAILABLE', reason: 'unloaded' }];
    if (slot.state === 'loading') return [{ name, state: 'LOADING', reason: '' }];
    const rows: IndexEntry[] = [];
    const versions = new Set([...slot.live.keys(), ...slot.retired.keys(), ...slot.failures.keys()]);
    for (const version of [...versions].sort(byVersion)) {
      const failure = slot.failures.get(version);
      if (slot.live.has(version)) {
        const reason = failure !== undefined ? `the package on disk failed to load, the loaded one keeps serving: ${failure.error}` : '';
        rows.push({ name, version, state: 'READY', reason });
      } else if (slot.retired.has(version)) {
        rows.push({ name, version, state: 'READY', reason: 'retired: serves only the sessions created on it' });
      } else {
        rows.push({ name, version, state: 'UNAVAILABLE', reason: failure?.error ?? 'failed to load' });
      }
    }
    if (slot.error !== undefined) rows.push({ name, state: 'UNAVAILABLE', reason: slot.error });
    if (rows.length === 0) {
      rows.push({ name, state: 'UNAVAILABLE', reason: onDisk ? 'no version folder is selected by its version policy' : 'removed from the models directory' });
    }
    return rows;
  }

  private emit(change: RepositoryChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private updateGauges(): void {
    const metrics = this.metrics;
    if (metrics === undefined) return;
    metrics.versionReady.reset();
    let ready = 0;
    for (const slot of this.slots.values()) {
      if (slot.live.size > 0) ready++;
      for (const version of slot.live.keys()) metrics.versionReady.set({ model: slot.name, version }, 1);
      for (const version of slot.retired.keys()) metrics.versionReady.set({ model: slot.name, version }, 1);
    }
    metrics.modelsLoaded.set(ready);
  }
}

function isListed(slot: ModelSlot): boolean {
  return slot.state === 'serving' || slot.state === 'loading';
}

function newest(versions: ReadonlyMap<string, ModelEntry>): ModelEntry | undefined {
  let best: ModelEntry | undefined;
  for (const entry of versions.values()) if (best === undefined || Number(entry.version) > Number(best.version)) best = entry;
  return best;
}

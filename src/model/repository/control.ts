// The model repository extension's operations (index, load, unload) as both transports call
// them (REST /v2/repository, gRPC Repository*), with MODEL_CONTROL's rules: load and unload are
// explicit mode's (as in Triton, where NONE and POLL refuse them: with none the set is fixed at
// start, with poll the folder decides and an unload would be undone by the next scan).
import type { ModelControl as ModelControlMode } from '../../config.js';
import { ModelControlDisabledError, ModelLoadFailedError } from '../../errors.js';
import type { IndexEntry, LoadReport, ModelRepository } from './model-repository.js';

export class ModelControl {
  constructor(
    readonly repository: ModelRepository,
    readonly mode: ModelControlMode,
  ) {}

  index(readyOnly: boolean): Promise<IndexEntry[]> {
    return this.repository.index(readyOnly);
  }

  /** Loads or reloads; MODEL_LOAD_FAILED when a selected version (or model.json) failed, saying what still serves. */
  async load(name: string): Promise<LoadReport> {
    this.requireExplicit('load');
    const report = await this.repository.loadModel(name);
    if (report.failed.length > 0) {
      const failures = report.failed.map((failure) => (failure.version === '' ? failure.error : `version ${failure.version}: ${failure.error}`));
      const serving = report.ready.length === 0 ? 'no version of it serves' : `version${report.ready.length === 1 ? '' : 's'} ${report.ready.join(', ')} serve${report.ready.length === 1 ? 's' : ''} as before`;
      throw new ModelLoadFailedError(`model '${name}' did not load completely (${failures.join('; ')}); ${serving}`);
    }
    return report;
  }

  async unload(name: string): Promise<void> {
    this.requireExplicit('unload');
    await this.repository.unloadModel(name);
  }

  private requireExplicit(what: 'load' | 'unload'): void {
    if (this.mode === 'explicit') return;
    const why = this.mode === 'poll' ? 'the models directory decides what is loaded (it is scanned)' : 'models are read once at start';
    throw new ModelControlDisabledError(`${what} needs MODEL_CONTROL=explicit; this server runs with MODEL_CONTROL=${this.mode} (${why})`);
  }
}

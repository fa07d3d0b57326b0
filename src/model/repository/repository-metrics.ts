// The repository's metrics: which versions are loaded, load failures and load durations.
import type { Counter, Gauge, Histogram } from 'prom-client';

export interface RepositoryMetrics {
  /** rnn_models_loaded: models with at least one version ready. */
  readonly modelsLoaded: Gauge;
  /** rnn_model_version_loaded{model, version}: 1 per loaded version (retired ones included). */
  readonly versionReady: Gauge<'model' | 'version'>;
  /** rnn_model_load_failures_total{model}. */
  readonly loadFailures: Counter<'model'>;
  /** rnn_model_load_duration_seconds{model}: reading a package to a ready network (or its failure). */
  readonly loadDuration: Histogram<'model'>;
}

// The per-model metric children, bound once: prom-client hashes a label set on every
// `inc({model, transport})`, which on the step path is a string build and a map lookup per step.
// A child (`counter.labels(...)`) is the series itself; each is made the first time a model is
// used on a transport and reused for every step after.
import type { Counter, Histogram } from 'prom-client';
import type { ServiceMetrics, Transport } from '../metrics.js';

export class ModelSeries {
  /** rnn_step_duration_seconds{model}. */
  readonly engineSeconds: Histogram.Internal<'model'>;
  private readonly steps = new Map<Transport, Counter.Internal>();

  constructor(
    private readonly model: string,
    private readonly metrics: Pick<ServiceMetrics, 'stepsTotal' | 'stepDuration'>,
  ) {
    this.engineSeconds = metrics.stepDuration.labels({ model });
  }

  /** rnn_steps_total{model, transport}. */
  stepsOn(transport: Transport): Counter.Internal {
    let child = this.steps.get(transport);
    if (child === undefined) {
      child = this.metrics.stepsTotal.labels({ model: this.model, transport });
      this.steps.set(transport, child);
    }
    return child;
  }
}

export class ModelMetrics {
  private readonly series = new Map<string, ModelSeries>();

  constructor(private readonly metrics: Pick<ServiceMetrics, 'stepsTotal' | 'stepDuration'>) {}

  for(model: string): ModelSeries {
    let series = this.series.get(model);
    if (series === undefined) {
      series = new ModelSeries(model, this.metrics);
      this.series.set(model, series);
    }
    return series;
  }
}

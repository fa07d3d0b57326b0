// The per-model metric series, bound once: prom-client hashes a label set on every
// `inc({model, transport})` (its bound children too), which on the step path is a string build
// and a map lookup per step. A fast series (metric-series/) is bound to its labels; each is made
// the first time a model is used on a transport and reused for every step after.
import type { CounterSeries, HistogramSeries } from '../metric-series/index.js';
import type { ServiceMetrics, Transport } from '../metrics.js';

export class ModelSeries {
  /** rnn_step_duration_seconds{model}. */
  readonly engineSeconds: HistogramSeries;
  private readonly steps = new Map<Transport, CounterSeries>();

  constructor(
    private readonly model: string,
    private readonly metrics: Pick<ServiceMetrics, 'stepsTotal' | 'stepDuration'>,
  ) {
    this.engineSeconds = metrics.stepDuration.series({ model });
  }

  /** rnn_steps_total{model, transport}. */
  stepsOn(transport: Transport): CounterSeries {
    let child = this.steps.get(transport);
    if (child === undefined) {
      child = this.metrics.stepsTotal.series({ model: this.model, transport });
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

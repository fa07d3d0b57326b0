// A histogram metric object of our own, registered on a prom-client Registry in place of a
// prom-client Histogram. prom-client has no public way to add a batch of observations (buckets
// and sum) to its Histogram, so the series cannot be flushed into one the way FastCounter's are;
// instead this object implements what the Registry asks of a metric (name, help, type,
// aggregator, get(), getForPromString(), reset()) and builds the same values prom-client's
// Histogram would, so the exposition text is the same line for line.
import type { Aggregator, Histogram, Registry } from 'prom-client';
import { checkLabels, seriesKey, type LabelSet } from './labels.js';

export interface FastHistogramConfiguration<T extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly T[];
  /** Upper bounds, increasing; the +Inf bucket is implied, as with prom-client. */
  readonly buckets: readonly number[];
  /** Required: this app never registers on prom-client's global registry. */
  readonly registers: readonly Registry[];
  readonly aggregator?: Aggregator;
}

/** One sample of get(), shaped as prom-client's Histogram.get() gives it. */
export interface HistogramSample<T extends string> {
  value: number;
  metricName: string;
  exemplar: null | undefined;
  labels: Partial<Record<T | 'le', string | number>>;
}

export interface HistogramData<T extends string> {
  name: string;
  help: string;
  type: 'histogram';
  values: HistogramSample<T>[];
  aggregator: Aggregator;
}

/** getForPromString()'s sample: the series' labels apart, as one object per series (the Registry caches its text by identity). */
interface PromStringSample {
  labels: { le?: number | '+Inf' };
  sharedLabels: Readonly<Record<string, string | number>>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/** One label set of a FastHistogram: bucket counts, sum and count, nothing allocated per observation. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); above the last bound only `count` has them. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;
  private listed = false;

  constructor(
    /** The label set, kept as given: prom-client shows labels in the order of this object's keys. */
    readonly labels: Readonly<Record<string, string | number>>,
    private readonly upperBounds: Float64Array,
    /** The owner's series to expose, in the order they were first observed (prom-client's order). */
    private readonly shown: HistogramSeries[],
  ) {
    this.counts = new Float64Array(upperBounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    if (i < bounds.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (!this.listed) this.show();
  }

  /** Lists the series for export (once, until the next reset). */
  show(): void {
    this.listed = true;
    this.shown.push(this);
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
    this.listed = false;
  }

  /** prom-client's samples of this series, in its order: cumulative buckets, +Inf, _sum, _count. */
  samples(name: string): PromStringSample[] {
    const bucket = `${name}_bucket`;
    const out: PromStringSample[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.upperBounds.length; i++) {
      cumulative += this.counts[i]!;
      out.push({ labels: { le: this.upperBounds[i]! }, sharedLabels: this.labels, value: cumulative, metricName: bucket, exemplar: null });
    }
    out.push(
      { labels: { le: '+Inf' }, sharedLabels: this.labels, value: this.count, metricName: bucket, exemplar: null },
      { labels: {}, sharedLabels: this.labels, value: this.sum, metricName: `${name}_sum`, exemplar: undefined },
      { labels: {}, sharedLabels: this.labels, value: this.count, metricName: `${name}_count`, exemplar: undefined },
    );
    return out;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class FastHistogram<T extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram' as const;
  readonly aggregator: Aggregator;
  readonly labelNames: readonly T[];
  private readonly upperBounds: Float64Array;
  private readonly bound = new Map<string, HistogramSeries>();
  private readonly shown: HistogramSeries[] = [];

  constructor(config: FastHistogramConfiguration<T>) {
    // prom-client's constructor checks, so a definition that it refuses is refused here too.
    if (!config.help) throw new Error('Missing mandatory help parameter');
    if (!METRIC_NAME.test(config.name)) throw new Error('Invalid metric name');
    const labelNames = config.labelNames ?? [];
    if (!labelNames.every((label) => LABEL_NAME.test(label))) throw new Error('Invalid label name');
    if (labelNames.includes('le' as T)) throw new Error('le is a reserved label keyword');
    // Prometheus wants increasing bounds; prom-client does not check, and with bounds out of
    // order or repeated its cumulative buckets would not be cumulative.
    for (let i = 1; i < config.buckets.length; i++) {
      if (!(config.buckets[i]! > config.buckets[i - 1]!)) throw new Error(`${config.name}: buckets must increase`);
    }
    this.name = config.name;
    this.help = config.help;
    this.aggregator = config.aggregator ?? 'sum';
    this.labelNames = [...labelNames];
    this.upperBounds = Float64Array.from(config.buckets);
    // Like prom-client's, an unlabelled histogram shows its zero series from the start.
    if (this.labelNames.length === 0) this.series({}).show();
    // The Registry's type names prom-client's four classes; at run time it asks only for the
    // members implemented here (registerMetric keys by name; metrics(), getMetricsAsJSON() and
    // resetMetrics() call getForPromString(), get() and reset()).
    for (const registry of config.registers) registry.registerMetric(this as unknown as Histogram<T>);
  }

  /** The series of one label set, made once and shared by every caller that asks for it. */
  series(labels: LabelSet<T>): HistogramSeries {
    const key = seriesKey(this.labelNames, labels);
    let series = this.bound.get(key);
    if (series === undefined) {
      checkLabels(this.name, this.labelNames, labels);
      series = new HistogramSeries({ ...labels } as Record<string, string | number>, this.upperBounds, this.shown);
      this.bound.set(key, series);
    }
    return series;
  }

  /** The values as prom-client's Histogram.get() gives them (each sample's labels one object, `le` first). */
  async get(): Promise<HistogramData<T>> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ labels, sharedLabels, ...sample }) => ({ ...sample, labels: { ...labels, ...sharedLabels } as HistogramSample<T>['labels'] })),
    };
  }

  /** What the Registry formats: the series' labels kept apart, as prom-client's Histogram does. */
  async getForPromString(): Promise<Omit<HistogramData<T>, 'values'> & { values: PromStringSample[] }> {
    return { name: this.name, help: this.help, type: this.type, values: this.shown.flatMap((series) => series.samples(this.name)), aggregator: this.aggregator };
  }

  /** Like prom-client's reset: every series back to nothing and out of the export until observed again (the bound series stay valid). */
  reset(): void {
    for (const series of this.shown) series.clear();
    this.shown.length = 0;
  }
}

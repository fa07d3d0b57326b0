// A prom-client Counter whose bound series add to a plain number, flushed into the Counter (with
// its public inc(labels, n)) by the collect callback prom-client runs before every get(), so a
// scrape, registry.metrics() and counter.get() all see every increment.
import { Counter, type CounterConfiguration } from 'prom-client';
import { checkLabels, seriesKey, type LabelSet } from './labels.js';

/** One label set of a FastCounter. inc() is an addition and, once per scrape interval, a push. */
export class CounterSeries {
  /** Added since the last flush. */
  private pending = 0;
  private queued = false;

  constructor(
    /** The label set, kept as given: prom-client shows labels in the order of this object's keys. */
    readonly labels: Readonly<Record<string, string | number>>,
    /** The owner's list of series with something to flush, in the order they were first increased. */
    private readonly dirty: CounterSeries[],
  ) {}

  inc(value = 1): void {
    // The checks prom-client makes, here rather than at the flush, so a bad value throws at its
    // caller and not inside a scrape.
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    if (value < 0) throw new Error('It is not possible to decrease a counter');
    this.pending += value;
    if (!this.queued) {
      this.queued = true;
      this.dirty.push(this);
    }
  }

  /** Hands the pending amount over (to the flush) and forgets it. */
  take(): number {
    const value = this.pending;
    this.pending = 0;
    this.queued = false;
    return value;
  }
}

export class FastCounter<T extends string = string> extends Counter<T> {
  private readonly metricName: string;
  private readonly labelList: readonly string[];
  private readonly bound = new Map<string, CounterSeries>();
  private readonly dirty: CounterSeries[] = [];

  constructor(config: CounterConfiguration<T>) {
    if (config.enableExemplars) throw new Error(`${config.name}: a FastCounter does not keep exemplars`);
    const userCollect = config.collect;
    super({
      ...config,
      collect(this: Counter<T>) {
        (this as FastCounter<T>).flush();
        return userCollect?.call(this);
      },
    });
    this.metricName = config.name;
    this.labelList = [...(config.labelNames ?? [])];
  }

  /** The series of one label set, made once and shared by every caller that asks for it. */
  series(labels: LabelSet<T>): CounterSeries {
    const key = seriesKey(this.labelList, labels);
    let series = this.bound.get(key);
    if (series === undefined) {
      checkLabels(this.metricName, this.labelList, labels);
      series = new CounterSeries({ ...labels } as Record<string, string | number>, this.dirty);
      this.bound.set(key, series);
    }
    return series;
  }

  /**
   * prom-client's reset, and the increments not flushed yet dropped with it. (Metric's constructor
   * calls reset() before this class's fields exist: there is nothing to drop then.)
   */
  override reset(): void {
    super.reset();
    const dirty = this.dirty as CounterSeries[] | undefined;
    if (dirty === undefined) return;
    for (const series of dirty) series.take();
    dirty.length = 0;
  }

  /** Adds what every series counted since the last flush, the series new to prom-client in the order they were first increased (prom-client's own order). */
  private flush(): void {
    for (const series of this.dirty) this.inc(series.labels as LabelSet<T>, series.take());
    this.dirty.length = 0;
  }
}

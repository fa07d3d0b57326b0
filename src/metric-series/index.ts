// Fast series: the metric series the per-step hot path writes to, each bound to one label set
// up front so that an observation is a few arithmetic operations, with no allocation and no
// hashing. They exist because prom-client's bound children (`histogram.labels({model})`,
// `counter.labels(...)`) do not skip the label work: every child observe()/inc() still runs
// convertLabelsAndValues, validateLabel, hashObject and a hash-map lookup. A CPU profile at 64
// WebSocket sockets put that at ~6% of the server's busy time (Histogram observe 4.6%, Counter
// setValue 1.4%).
//
// Both show in the exposition exactly as prom-client's own series would (names, labels, `le`
// values, cumulative buckets, _sum, _count, series in the order first observed):
// - FastCounter is a prom-client Counter; its series add to a number and its collect callback,
//   which prom-client runs before every get(), flushes them with the public inc(labels, n).
// - FastHistogram is a metric object of our own (prom-client has no public bulk observe to flush
//   a bucket array into), registered on the Registry and answering what it asks of a histogram.
export { CounterSeries, FastCounter } from './fast-counter.js';
export { FastHistogram, HistogramSeries, type FastHistogramConfiguration, type HistogramData, type HistogramSample } from './fast-histogram.js';
export type { LabelSet } from './labels.js';

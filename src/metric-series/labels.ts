// Label checks and series keys shared by the fast counter and histogram. They run once, when a
// series is bound, never per observation.

/** A label set as prom-client takes it: every key one of the metric's label names. */
export type LabelSet<T extends string> = Partial<Record<T, string | number>>;

/** Throws as prom-client does when a label set names a label the metric was not declared with. */
export function checkLabels(metric: string, labelNames: readonly string[], labels: object): void {
  for (const name of Object.keys(labels)) {
    if (!labelNames.includes(name)) {
      throw new Error(`Added label "${name}" is not included in initial labelset: ${JSON.stringify(labelNames)} (metric ${metric})`);
    }
  }
}

/**
 * The identity of a label set, as prom-client's hashObject sees it: the values by label name,
 * in declaration order, a number and its string the same, a missing label distinct from any value.
 */
export function seriesKey(labelNames: readonly string[], labels: Partial<Record<string, string | number>>): string {
  return JSON.stringify(labelNames.map((name) => (labels[name] === undefined ? null : String(labels[name]))));
}

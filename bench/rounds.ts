// Numbers measured over several rounds, for the benches' tables: this machine is shared, so a
// bench repeats its rows and reports the middle of the rounds, with their spread beside it.

/** The median (the mean of the middle two for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A table cell: `median` then `unit`, and over several rounds their range, e.g. "0.71x (0.56–0.73)"; '' for no values. */
export function medianAndRange(values: readonly number[], digits: number, unit = ''): string {
  if (values.length === 0) return '';
  const range = values.length > 1 ? ` (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})` : '';
  return `${median(values).toFixed(digits)}${unit}${range}`;
}

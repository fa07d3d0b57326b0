// Reads one metric out of Prometheus' text format: its samples by label set.

/** Samples of `name`: the label set as written ('{model="gru"}', or '' without labels) -> value. */
export function metricSamples(text: string, name: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest !== '' && !rest.startsWith('{') && !rest.startsWith(' ')) continue; // a longer name
    const space = rest.lastIndexOf(' ');
    found.set(rest.slice(0, space), Number(rest.slice(space + 1)));
  }
  return found;
}

/** The sample of `name` with `labels` ('' for none); 0 when the series does not exist (yet). */
export function metricValue(text: string, name: string, labels = ''): number {
  return metricSamples(text, name).get(labels) ?? 0;
}

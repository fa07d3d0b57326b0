// The rules of `promtool check metrics` (Prometheus' promlint), in JavaScript: what the metrics
// test checks when promtool is not installed (a clone without extras), and always alongside it.
// Each problem is worded as promtool words it.

interface Family {
  type?: string;
  help?: string;
}

const BASE_UNITS = ['amperes', 'bytes', 'celsius', 'grams', 'joules', 'kelvin', 'meters', 'metres', 'seconds', 'volts'];
const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mebi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi'];
const NON_BASE_UNITS: Record<string, string> = { minutes: 'seconds', hours: 'seconds', days: 'seconds', weeks: 'seconds', bits: 'bytes' };
const ABBREVIATED_UNITS = new Set(['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd']);
const TYPES = ['counter', 'gauge', 'histogram', 'summary'];

/** The family a sample belongs to: histograms and summaries write name_bucket/_sum/_count. */
function familyOf(sample: string, families: Map<string, Family>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = sample.slice(0, -suffix.length);
    if (sample.endsWith(suffix) && ['histogram', 'summary'].includes(families.get(base)?.type ?? '')) return base;
  }
  return sample;
}

/** promlint's problems with a text exposition, as "name: problem" lines; [] when clean. */
export function lintMetrics(text: string): string[] {
  const families = new Map<string, Family>();
  const problems: string[] = [];
  const labelNames = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      const family = families.get(name) ?? {};
      if (kind === 'HELP') family.help = rest;
      else family.type = rest;
      families.set(name, family);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([^\s{]+)(?:\{(.*)\})? \S+/.exec(line);
    if (sample === null) {
      problems.push(`${line}: not a sample line`);
      continue;
    }
    const family = familyOf(sample[1] ?? '', families);
    const labels = labelNames.get(family) ?? new Set<string>();
    for (const match of (sample[2] ?? '').matchAll(/([^=,\s]+)="/g)) labels.add(match[1] ?? '');
    labelNames.set(family, labels);
  }

  for (const [name, { type, help }] of families) {
    const problem = (text: string): number => problems.push(`${name}: ${text}`);
    if (help === undefined || help.trim() === '') problem('no help text');
    if (type === 'counter' && !name.endsWith('_total')) problem('counter metrics should have "_total" suffix');
    if (type !== 'counter' && name.endsWith('_total')) problem('non-counter metrics should not have "_total" suffix');
    for (const suffix of ['_count', '_sum', '_bucket']) {
      if (type !== 'histogram' && type !== 'summary' && name.endsWith(suffix)) {
        problem(`non-histogram and non-summary metrics should not have "${suffix}" suffix`);
      }
    }
    if (name.toLowerCase() !== name || name.includes(':')) problem("metric names should be written in 'snake_case' not 'camelCase'");
    for (const label of labelNames.get(name) ?? []) {
      if (label.toLowerCase() !== label) problem("label names should be written in 'snake_case' not 'camelCase'");
    }
    const words = name.split('_');
    for (const word of words) {
      if (ABBREVIATED_UNITS.has(word)) problem('metric names should not contain abbreviated units');
      const base = NON_BASE_UNITS[word];
      if (base !== undefined) problem(`use base unit "${base}" instead of "${word}"`);
      for (const prefix of UNIT_PREFIXES) {
        for (const unit of BASE_UNITS) if (word === prefix + unit) problem(`use base unit "${unit}" instead of "${word}"`);
      }
    }
    for (const typeName of TYPES) if (words.includes(typeName)) problem(`metric name should not include type '${typeName}'`);
  }
  return problems;
}

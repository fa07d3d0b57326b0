// A CSV table as columns of numbers: the first row names the columns; cells that are not numbers
// (dates, blanks) make a column non-numeric, and only numeric columns can be a history.

export interface Table {
  readonly names: readonly string[];
  /** Numeric columns only, by name. */
  readonly columns: ReadonlyMap<string, readonly number[]>;
}

export function parseCsv(text: string): Table {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length < 2) return { names: [], columns: new Map() };
  const split = (line: string): string[] => line.split(',').map((cell) => cell.trim().replace(/^"(.*)"$/, '$1'));
  const names = split(lines[0]!);
  const rows = lines.slice(1).map(split);
  const columns = new Map<string, number[]>();
  names.forEach((name, index) => {
    const values = rows.map((row) => (row[index] === undefined || row[index] === '' ? Number.NaN : Number(row[index])));
    if (values.every(Number.isFinite)) columns.set(name, values);
  });
  return { names, columns };
}

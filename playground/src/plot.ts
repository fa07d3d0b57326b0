// Line charts with uPlot: x is the step index, one series per line, NaN/null where a line has no
// value (history ends where the forecast starts).
import uPlot from 'uplot';

export interface Line {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
  readonly dash?: number[];
}

const charts = new WeakMap<HTMLElement, uPlot>();

export function drawLines(target: HTMLElement, lines: readonly Line[], xLabel: string): void {
  charts.get(target)?.destroy();
  const length = Math.max(...lines.map((line) => line.values.length));
  const x = Array.from({ length }, (_, i) => i + 1);
  const data = [x, ...lines.map((line) => Array.from({ length }, (_, i) => line.values[i] ?? null))] as uPlot.AlignedData;
  const chart = new uPlot(
    {
      width: Math.max(320, target.clientWidth || 900),
      height: 300,
      scales: { x: { time: false } },
      // A static legend: values under the cursor are noise in a screenshot.
      legend: { live: false },
      axes: [{ label: xLabel }, {}],
      series: [{ label: xLabel }, ...lines.map((line) => ({ label: line.label, stroke: line.color, width: 2, ...(line.dash ? { dash: line.dash } : {}), spanGaps: false }))],
    },
    data,
    target,
  );
  charts.set(target, chart);
}

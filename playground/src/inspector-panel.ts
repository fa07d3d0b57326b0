// Any model: feed a new session one element at a time over a stream and read its state after
// each, to plot t against the L2 norm of every layer's h (and c for an LSTM).
import type { ModelInfo, State } from '../../clients/typescript/src/index.js';
import type { AppState } from './app-state.js';
import { byId, describeError, isTokenModel } from './app-state.js';
import { drawLines } from './plot.js';

const COLORS = ['#2563eb', '#dc6803', '#039855', '#7a5af8', '#d92d20', '#0e9384'];

/** The elements the textarea holds for this model: characters, one-hot rows over labels, or numbers. */
export function inspectorElements(model: ModelInfo, text: string): (number[] | string)[] {
  if (isTokenModel(model)) return [...text];
  const labels = model.labels ?? [];
  if (isOneHotCharacterModel(model)) {
    return [...text].map((char) => labels.map((label) => (label === char ? 1 : 0)));
  }
  return text
    .split(/[;\n]/)
    .map((row) => row.trim())
    .filter((row) => row !== '')
    .map((row) => row.split(/[,\s]+/).map(Number));
}

/** A model fed one-hot vectors over single-character labels (min-char-rnn): text is typed as characters. */
function isOneHotCharacterModel(model: ModelInfo): boolean {
  const labels = model.labels ?? [];
  return labels.length > 1 && labels.length === model.input_size && labels.every((label) => [...label].length === 1);
}

export function inspectorExample(model: ModelInfo): string {
  if (isTokenModel(model) || isOneHotCharacterModel(model)) return 'In the beginning God created';
  if (model.input_size === 1) return '368.2; 368.0; 367.4; 367.4; 367.8; 367.6; 368.1; 368.7; 368.7; 368.8; 369.7; 370.3';
  return Array.from({ length: 5 }, (_, t) => Array.from({ length: model.input_size ?? 1 }, (_, i) => Math.sin(t + i).toFixed(2)).join(', ')).join('; ');
}

const norm = (row: readonly number[]): number => Math.sqrt(row.reduce((sum, v) => sum + v * v, 0));

export function setUpInspectorPanel(state: AppState): void {
  const button = byId<HTMLButtonElement>('inspect');
  const tLabel = byId<HTMLSpanElement>('inspector-t');
  const plot = byId<HTMLDivElement>('inspector-plot');
  const table = byId<HTMLTableElement>('inspector-table');

  button.addEventListener('click', async () => {
    const model = state.model;
    if (model === undefined) return;
    const elements = inspectorElements(model, byId<HTMLTextAreaElement>('inspector-inputs').value);
    plot.dataset.done = 'false';
    button.disabled = true;
    const series = new Map<string, number[]>();
    const rows: string[] = [];
    try {
      const stream = await state.client.stream(model.name);
      try {
        for (const x of elements) {
          await stream.step(x);
          const { t, state: sessionState } = await stream.state();
          tLabel.textContent = `t = ${t}`;
          const cells: string[] = [String(t)];
          for (const [name, layers] of Object.entries(sessionState as State) as [string, number[][] | undefined][]) {
            layers?.forEach((layer, l) => {
              const key = `|${name}${l}|`;
              const value = norm(layer);
              series.set(key, [...(series.get(key) ?? []), value]);
              cells.push(value.toFixed(4));
            });
          }
          rows.push(`<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`);
        }
      } finally {
        await stream.close();
      }
      table.tHead!.innerHTML = `<tr><th>t</th>${[...series.keys()].map((key) => `<th>${key}</th>`).join('')}</tr>`;
      table.tBodies[0]!.innerHTML = rows.join('');
      drawLines(plot, [...series].map(([label, values], i) => ({ label, values, color: COLORS[i % COLORS.length]! })), 't');
    } catch (error) {
      tLabel.textContent = describeError(error);
    } finally {
      plot.dataset.done = 'true';
      button.disabled = false;
    }
  });
}

// Forecasters (output = next input): a CSV column is the history; the plot shows it, the model's
// one-step predictions over it (y_t predicts step t+1, so it is drawn one step later) and a
// forecast horizon, each prediction fed back as the next input.
import type { AppState } from './app-state.js';
import { byId, describeError } from './app-state.js';
import { parseCsv, type Table } from './csv.js';
import { drawLines } from './plot.js';

export function setUpForecastPanel(state: AppState): void {
  const csv = byId<HTMLTextAreaElement>('csv');
  const columnSelect = byId<HTMLSelectElement>('column');
  const info = byId<HTMLParagraphElement>('forecast-info');
  const plot = byId<HTMLDivElement>('forecast-plot');
  let table: Table = { names: [], columns: new Map() };

  const refreshColumns = (): void => {
    table = parseCsv(csv.value);
    const previous = columnSelect.value;
    columnSelect.replaceChildren(...[...table.columns.keys()].map((name) => new Option(name, name)));
    if (table.columns.has(previous)) columnSelect.value = previous;
  };
  csv.addEventListener('input', refreshColumns);
  byId<HTMLInputElement>('csv-file').addEventListener('change', async (event) => {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file === undefined) return;
    csv.value = await file.text();
    refreshColumns();
  });
  byId<HTMLButtonElement>('csv-example').addEventListener('click', async () => {
    csv.value = await (await fetch('co2-weekly.csv')).text();
    refreshColumns();
  });

  byId<HTMLButtonElement>('forecast').addEventListener('click', async () => {
    const model = state.model;
    if (model === undefined) return;
    const history = table.columns.get(columnSelect.value);
    const horizon = Number(byId<HTMLInputElement>('horizon').value);
    plot.dataset.done = 'false';
    if (history === undefined || history.length === 0) {
      info.textContent = 'paste a CSV with a numeric column first';
      return;
    }
    try {
      const rows = history.map((value) => [value]);
      const [oneStep, forecast] = await Promise.all([state.client.predict(model.name, rows), state.client.forecast(model.name, rows, horizon)]);
      const n = history.length;
      const predictions = [null, ...oneStep.outputs.map((row) => row[0]!)];
      const future = [...Array<null>(n), ...forecast.map((row) => row[0]!)];
      drawLines(
        plot,
        [
          { label: columnSelect.value, values: history, color: '#1d2330' },
          { label: 'one-step prediction', values: predictions, color: '#2563eb' },
          { label: `forecast (${horizon})`, values: future, color: '#dc6803', dash: [6, 4] },
        ],
        'step',
      );
      // Skip the first quarter: a session starts from a zero state and needs a little history.
      const warmup = Math.floor(n / 4);
      let squares = 0;
      for (let t = warmup + 1; t < n; t++) squares += (predictions[t]! - history[t]!) ** 2;
      const rmse = Math.sqrt(squares / Math.max(1, n - warmup - 1));
      info.textContent = `history ${n} steps; one-step RMSE ${rmse.toFixed(3)} after step ${warmup}; forecast: ${forecast.map((row) => row[0]!.toFixed(2)).join(', ')}`;
      info.dataset.forecast = JSON.stringify(forecast.map((row) => row[0]));
    } catch (error) {
      info.textContent = describeError(error);
    } finally {
      plot.dataset.done = 'true';
    }
  });
}

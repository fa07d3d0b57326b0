// The playground page: pick a model, then generate (token models), forecast (models whose output
// is their next input) or inspect a session (any model). Talks to the server it is served by,
// through the TypeScript client (REST with the key as a Bearer token, streams with ?api_key=).
import type { ModelInfo } from '../../clients/typescript/src/index.js';
import { byId, createState, describeError, isForecaster, isTokenModel } from './app-state.js';
import { setUpForecastPanel } from './forecast-panel.js';
import { setUpGeneratePanel } from './generate-panel.js';
import { inspectorExample, setUpInspectorPanel } from './inspector-panel.js';

const state = createState(byId<HTMLInputElement>('api-key'));
const select = byId<HTMLSelectElement>('model');
const status = byId<HTMLSpanElement>('status');
let models: ModelInfo[] = [];

function describe(model: ModelInfo): string {
  const kind = isTokenModel(model) ? `token model, ${model.vocab!.length} tokens` : isForecaster(model) ? 'forecaster' : `${model.input_size} in, ${model.output_size} out`;
  return `${model.architecture} · ${model.num_layers} layer(s) × ${model.hidden_size} · ${kind}${model.description ? ` — ${model.description}` : ''}`;
}

function choose(name: string): void {
  const model = models.find((candidate) => candidate.name === name);
  state.model = model;
  if (model === undefined) return;
  byId('model-info').textContent = describe(model);
  byId('generate-panel').hidden = !isTokenModel(model);
  byId('forecast-panel').hidden = !isForecaster(model);
  byId<HTMLTextAreaElement>('inspector-inputs').value = inspectorExample(model);
  const url = new URL(location.href);
  url.searchParams.set('model', name);
  history.replaceState(null, '', url);
}

async function loadModels(): Promise<void> {
  status.className = '';
  status.textContent = 'loading models…';
  try {
    models = (await state.client.models()).filter((model) => model.status === 'ready');
    select.replaceChildren(...models.map((model) => new Option(model.name, model.name)));
    const wanted = new URLSearchParams(location.search).get('model');
    select.value = models.some((model) => model.name === wanted) ? wanted! : (models[0]?.name ?? '');
    choose(select.value);
    status.textContent = `${models.length} models ready`;
  } catch (error) {
    status.className = 'error';
    status.textContent = describeError(error);
  }
}

select.addEventListener('change', () => choose(select.value));
byId<HTMLInputElement>('api-key').addEventListener('change', () => void loadModels());
setUpGeneratePanel(state);
setUpForecastPanel(state);
setUpInspectorPanel(state);
void loadModels();

// What every panel shares: the client (rebuilt when the API key changes) and the chosen model.
import { Client, type ModelInfo } from '../../clients/typescript/src/index.js';

const KEY_STORAGE = 'rnn-serve-playground-api-key';

export interface AppState {
  client: Client;
  model: ModelInfo | undefined;
}

export function createState(keyInput: HTMLInputElement): AppState {
  // ?api_key= in the page's URL wins (links that carry a key), then what was typed last time.
  const fromUrl = new URLSearchParams(location.search).get('api_key');
  keyInput.value = fromUrl ?? localStorage.getItem(KEY_STORAGE) ?? '';
  const state: AppState = { client: makeClient(keyInput.value), model: undefined };
  keyInput.addEventListener('change', () => {
    localStorage.setItem(KEY_STORAGE, keyInput.value);
    state.client = makeClient(keyInput.value);
  });
  return state;
}

function makeClient(key: string): Client {
  return new Client(location.origin, { apiKey: key.trim() === '' ? undefined : key.trim() });
}

/** Token models generate; models whose output is their next input forecast. */
export const isTokenModel = (model: ModelInfo): boolean => Array.isArray(model.vocab) && model.vocab.length > 0;
export const isForecaster = (model: ModelInfo): boolean => !isTokenModel(model) && model.input_size !== undefined && model.input_size === model.output_size;

export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

export function describeError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return code ? `${code}: ${message ?? ''}` : String(message ?? error);
}

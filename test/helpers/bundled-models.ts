// The models this repository ships in models/. Users export their own packages into the same
// folder (README "Export your own model"), so tests never list models/ as it is: they check the
// bundled packages by name, and serve them from a folder holding only those.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MODELS_DIR = fileURLToPath(new URL('../../models', import.meta.url));

/** Sorted, as the models endpoint lists them. */
export const BUNDLED_MODELS = ['co2-lstm', 'kjv-char-gru', 'min-char-rnn'] as const;

export const bundledModelDirs = (): string[] => BUNDLED_MODELS.map((name) => join(MODELS_DIR, name));

/** A models folder with copies of the bundled packages only; removed by the returned cleanup. */
export function bundledModelsOnly(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-bundled-'));
  for (const name of BUNDLED_MODELS) cpSync(join(MODELS_DIR, name), join(dir, name), { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

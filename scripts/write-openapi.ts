// Writes openapi/openapi.json, the committed copy of the document the server serves at
// /openapi.json (`npm run openapi`). test/unit/openapi.test.ts fails when the two differ.
// The app is built with the default configuration: the document does not depend on it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const OUTPUT = 'openapi/openapi.json';

const app = await buildApp({ config: loadConfig({ MODELS_DIR: 'models', LOG_LEVEL: 'silent' }) });
try {
  await app.ready();
  mkdirSync(dirname(OUTPUT), { recursive: true });
  // Stable text: 2-space JSON with a trailing newline, so regenerating gives a clean diff.
  writeFileSync(OUTPUT, `${JSON.stringify(app.swagger(), null, 2)}\n`);
  console.log(`wrote ${OUTPUT}`);
} finally {
  await app.close();
}

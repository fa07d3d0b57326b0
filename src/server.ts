// The only file that listens. Reads the configuration, builds the app, and closes it gracefully
// on SIGTERM/SIGINT (in-flight requests finish, then the session store and scheduler close).
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

(await import('./env-file.js')).applyEnvFile('.env'); // before loadConfig: .env fills in what the environment leaves unset
const config = loadConfig();
const app = await buildApp({ config });

const models = app.inference.listModels();
if (models.length === 0) app.log.warn({ modelsDir: config.modelsDir }, 'no model packages found: /readyz answers 503');
for (const model of models) {
  if (model.status === 'ready') {
    app.log.info(
      { model: model.name, architecture: model.architecture, input_size: model.input_size, output_size: model.output_size },
      'model loaded',
    );
  } else {
    app.log.error({ model: model.name, error: model.error }, 'model failed to load');
  }
}

closeWithGrace({ delay: 10_000, logger: app.log }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'closing after an unexpected error');
  else app.log.info({ signal }, 'closing');
  await app.close();
});

await app.listen({ port: config.port, host: config.host });

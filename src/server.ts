// The only file that listens. Reads the configuration, builds the app, and closes it gracefully
// on SIGTERM/SIGINT (in-flight requests finish, then the session store and scheduler close).
// A mistake in the deployment (a bad variable, a missing MODELS_DIR, a port in use) ends the
// process with one line saying what to fix and exit code 1, never with a stack trace.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { applyEnvFile } from './env-file.js';
import { ModelPackageError } from './model/errors.js';

/** Errors that are the deployment's to fix, not the service's. */
function isStartupMistake(error: unknown): error is Error {
  if (error instanceof ConfigError || error instanceof ModelPackageError) return true;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND';
}

async function start(): Promise<void> {
  applyEnvFile('.env'); // before loadConfig: .env fills in what the environment leaves unset
  const config: Config = loadConfig();
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

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (isStartupMistake(error)) {
      throw new ConfigError(`cannot listen on ${config.host}:${config.port} (${code}): check HOST and PORT`, { cause: error });
    }
    throw error;
  }
  // The Open Inference Protocol over gRPC; app.close() drains it too.
  if (config.grpcPort !== 0) {
    try {
      const port = await app.grpc.listen(config.grpcPort, config.host);
      app.log.info({ port }, 'gRPC server listening');
    } catch (error) {
      await app.close();
      throw new ConfigError(`cannot serve gRPC on ${config.host}:${config.grpcPort} (${(error as Error).message}): check GRPC_PORT`, { cause: error });
    }
  }
}

try {
  await start();
} catch (error) {
  if (!isStartupMistake(error)) throw error;
  process.stderr.write(`rnn-serve: cannot start: ${error.message}\n`);
  process.exit(1);
}

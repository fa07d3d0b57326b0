// What the server decided at start, logged at debug (LOG_LEVEL=debug): the configuration it read
// (credentials never: API keys as a count, a Redis password masked), the session store and the
// HTTP limits in force, and every model package with how long it took to load. At info only the
// summary is logged (src/server.ts): one line per model, ready or failed.
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { ModelRepository } from './model/repository/model-repository.js';

/** A Redis URL with its password replaced: redis://user:***@host:6379/0. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

export function logStartupDecisions(log: FastifyBaseLogger, config: Config, registry: ModelRepository, scheduler: 'batching' | 'custom'): void {
  // The objects below are built only when they will be written.
  if (log.level !== 'debug' && log.level !== 'trace') return;
  const { apiKeys, redisUrl, ...rest } = config;
  log.debug({ config: { ...rest, apiKeys: `${apiKeys.length} key(s)`, redisUrl: withoutPassword(redisUrl) } }, 'configuration read');
  log.debug(
    {
      sessionStore: config.sessionStore,
      ...(config.sessionStore === 'redis' ? { redisUrl: withoutPassword(redisUrl), keyPrefix: config.redisKeyPrefix } : {}),
      scheduler,
      authentication: apiKeys.length > 0 ? `API keys required under /v1 (${apiKeys.length})` : 'none: API_KEYS is empty',
    },
    'startup decisions',
  );
  log.debug(
    {
      requestTimeoutMs: config.requestTimeoutMs,
      headersTimeoutMs: config.headersTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      bodyLimitBytes: config.bodyLimitBytes,
      maxHeaderBytes: config.maxHeaderBytes,
      maxParamLength: config.maxParamLength,
    },
    'HTTP limits',
  );
  for (const entry of registry.list()) {
    log.debug(
      {
        model: entry.name,
        dir: entry.dir,
        status: entry.status,
        loadMs: entry.loadMs,
        ...(entry.status === 'ready'
          ? { architecture: entry.config?.architecture, identity: entry.identity }
          : { error: entry.error }),
      },
      entry.status === 'ready' ? 'model package loaded' : 'model package failed to load',
    );
  }
}

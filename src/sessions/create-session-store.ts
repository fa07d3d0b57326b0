// The session store SESSION_STORE names.
import type { Config } from '../config.js';
import { MemorySessionStore } from './memory-session-store.js';
import { createRedisSessionStore } from './redis-session-store.js';
import type { SessionStore } from './session-store.js';

export interface SessionStoreFactoryOptions {
  /** Epoch milliseconds (tests move it instead of sleeping). */
  readonly clock?: () => number;
  /** Connection errors of a remote store (once per outage). */
  readonly onError?: (error: Error) => void;
}

export function createSessionStore(config: Config, options: SessionStoreFactoryOptions = {}): SessionStore {
  const { clock, onError } = options;
  switch (config.sessionStore) {
    case 'memory':
      return new MemorySessionStore({ maxSessions: config.maxSessions, ...(clock ? { clock } : {}) });
    case 'redis':
      return createRedisSessionStore({
        url: config.redisUrl,
        clusterNodes: config.redisClusterNodes,
        indexPartitions: config.redisIndexPartitions,
        keyPrefix: config.redisKeyPrefix,
        maxSessions: config.maxSessions,
        servedSessions: config.redisServedSessions,
        ...(clock ? { now: clock } : {}),
        ...(onError ? { onError } : {}),
      });
  }
}

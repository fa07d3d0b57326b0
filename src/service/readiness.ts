// Readiness (GET /readyz): models loaded and the session store answering. Apart from the
// dataplane: it reads the registry and pings the store, and changes nothing.
import type { ModelRepository } from '../model/repository/model-repository.js';
import type { SessionStore } from '../sessions/session-store.js';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly reason?: string;
  readonly modelsReady: number;
  readonly modelsFailed: number;
  /** 'ok' or why the store did not answer. */
  readonly sessionStore: string;
}

export async function checkReadiness(registry: ModelRepository, store: Pick<SessionStore, 'ping'>): Promise<ReadinessReport> {
  const entries = registry.list();
  const modelsReady = entries.filter((entry) => entry.status === 'ready').length;
  const modelsFailed = entries.length - modelsReady;
  let sessionStore = 'ok';
  try {
    await store.ping();
  } catch (error) {
    sessionStore = error instanceof Error ? error.message : String(error);
  }
  const reasons: string[] = [];
  if (modelsReady === 0) reasons.push(entries.length === 0 ? 'no model packages were found' : 'no model is ready');
  if (sessionStore !== 'ok') reasons.push(`the session store does not answer: ${sessionStore}`);
  return {
    ready: reasons.length === 0,
    ...(reasons.length > 0 ? { reason: reasons.join('; ') } : {}),
    modelsReady,
    modelsFailed,
    sessionStore,
  };
}

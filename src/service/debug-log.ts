// The debug lines the service writes at LOG_LEVEL=debug (session lifecycle, batching decisions).
// Each is guarded by isDebugOn, so with debug off a line costs one level check: no fields object
// is built, nothing is formatted (the batcher's check runs once per flush, never per step).
import type { FastifyBaseLogger } from 'fastify';

/** The part of the app's pino logger the service uses. */
export type DebugLog = Pick<FastifyBaseLogger, 'debug'> & {
  readonly isLevelEnabled?: (level: string) => boolean;
  /** For the rare operational warning (a failed scrape of the store). */
  readonly warn?: FastifyBaseLogger['warn'];
};

/** Whether `log` writes debug lines now (false without a logger, or with Fastify's silent one). */
export function isDebugOn(log: DebugLog | undefined): log is DebugLog {
  return log?.isLevelEnabled?.('debug') === true;
}

// Keeping a stream and its session alive. Liveness: every STREAM_PING_INTERVAL_MS tick, a peer
// not heard from since the last tick is pinged, and one that did not answer that ping is dropped.
// The session: while the stream is alive its session does not expire; the tick renews it before
// its idle TTL runs out (see renewIfDue), so a client may stay silent as long as it answers pings.
import type { FastifyBaseLogger } from 'fastify';
import type { InferenceService } from '../service/inference-service.js';
import type { SessionRecord } from '../sessions/session-store.js';
import { WIRE_CODES } from '../wire-errors.js';

/** Ping/pong bookkeeping of one socket. */
export class Liveness {
  private heardSinceTick = true;
  private awaitingPong = false;

  /** Anything from the peer (a frame, a pong) proves it alive. */
  heard(): void {
    this.heardSinceTick = true;
    this.awaitingPong = false;
  }

  /** One tick: 'dead' when the last ping went unanswered, 'ping' when a ping is due now, else 'alive'. */
  tick(): 'alive' | 'ping' | 'dead' {
    if (this.awaitingPong) return 'dead';
    const quiet = !this.heardSinceTick;
    this.heardSinceTick = false;
    if (!quiet) return 'alive';
    this.awaitingPong = true;
    return 'ping';
  }
}

export interface SessionRenewalOptions {
  readonly inference: Pick<InferenceService, 'touch' | 'now'>;
  readonly log: FastifyBaseLogger;
  readonly sessionId: string;
  readonly ttlSeconds: number;
  readonly pingIntervalMs: number;
  /** The expiry the stream saw when it opened. */
  readonly expiresAt: number;
  /** Called when a renewal found the session gone. */
  readonly onSessionGone: () => void;
}

/** Keeps the session of an open stream from expiring, with as few writes as possible. */
export class SessionRenewal {
  /** The latest expiry of the session this stream has seen (its own writes, reads and renewals). */
  private expiresAt: number;
  /** The renewal in progress (at most one). */
  private renewal: Promise<void> | undefined;

  constructor(private readonly options: SessionRenewalOptions) {
    this.expiresAt = options.expiresAt;
  }

  /** Remembers the session's expiry as of a record the service returned. */
  saw(session: Pick<SessionRecord, 'expiresAt'>): void {
    if (session.expiresAt > this.expiresAt) this.expiresAt = session.expiresAt;
  }

  /**
   * Restarts the session's idle TTL when it would otherwise expire before the stream is sure to
   * be heard from again: within half its TTL, or within two ping intervals, whichever is longer.
   * So an idle stream costs one session write per half TTL, and none while its own messages (or
   * another client's) keep the session fresh. The service re-reads the session and writes only
   * if it is still due. A session found gone is reported to onSessionGone.
   */
  renewIfDue(): void {
    if (this.renewal !== undefined) return;
    const { inference, log, sessionId, ttlSeconds, pingIntervalMs, onSessionGone } = this.options;
    const renewWithinMs = Math.max((ttlSeconds * 1000) / 2, 2 * pingIntervalMs);
    if (this.expiresAt - inference.now() > renewWithinMs) return;
    this.renewal = inference
      .touch(sessionId, renewWithinMs)
      .then(
        (session) => this.saw(session),
        (error: unknown) => {
          if ((error as { code?: unknown }).code !== WIRE_CODES.SESSION_NOT_FOUND) {
            log.warn({ err: error }, 'could not renew the session of an open stream');
          } else {
            onSessionGone();
          }
        },
      )
      .finally(() => (this.renewal = undefined));
  }

  /** Resolves when no renewal is in progress. */
  settled(): Promise<void> {
    return this.renewal ?? Promise.resolve();
  }
}

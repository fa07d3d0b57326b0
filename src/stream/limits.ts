// The bounds one WebSocket stream lives within. Some come from the environment (see
// src/config.ts); the others are fixed here because no deployment has needed to tune them.
import type { Config } from '../config.js';
import type { GenerationLimits } from '../service/generation.js';

/** Also the limits of a `generate` message (MAX_GENERATE_TOKENS, MAX_SEQUENCE_LENGTH for its prompt, MAX_REQUEST_ELEMENTS). */
export interface StreamLimits extends GenerationLimits {
  /** Largest frame accepted (BODY_LIMIT_BYTES, like an HTTP body); larger closes with 1008. */
  readonly maxFrameBytes: number;
  /**
   * Frames received and not yet answered. At this many the server stops reading the socket
   * (TCP pushes back on the client) until half of them are answered.
   */
  readonly maxPendingFrames: number;
  /** Bytes of received, unanswered frames at which the server also stops reading. */
  readonly maxPendingBytes: number;
  /**
   * Reply bytes the server holds for a client that does not read them. Beyond it the server
   * stops computing for that client; if they are still unsent after sendTimeoutMs, it closes
   * the stream with 1008 (slow consumer).
   */
  readonly maxBufferedBytes: number;
  readonly sendTimeoutMs: number;
  /** Consecutive invalid frames (INVALID_INPUT) after which the stream is closed with 1008. */
  readonly maxConsecutiveInvalidFrames: number;
  /**
   * An idle stream is pinged this often; one that answered neither ping nor frame by the next
   * tick is dropped. The same tick renews the session of a live stream before it expires. 0: never.
   */
  readonly pingIntervalMs: number;
  /** A peer that does not answer the close handshake within this is disconnected. */
  readonly closeTimeoutMs: number;
  /** At shutdown, how long accepted frames may take to be answered before the stream is cut. */
  readonly shutdownDrainMs: number;
}

export const MAX_PENDING_FRAMES = 64;
export const MAX_CONSECUTIVE_INVALID_FRAMES = 16;
export const CLOSE_TIMEOUT_MS = 5_000;
export const SHUTDOWN_DRAIN_MS = 5_000;

export function streamLimits(config: Config): StreamLimits {
  return {
    maxFrameBytes: config.bodyLimitBytes,
    maxPendingFrames: MAX_PENDING_FRAMES,
    maxPendingBytes: config.bodyLimitBytes,
    maxBufferedBytes: config.streamMaxBufferedBytes,
    sendTimeoutMs: config.streamSendTimeoutMs,
    maxConsecutiveInvalidFrames: MAX_CONSECUTIVE_INVALID_FRAMES,
    maxGenerateTokens: config.maxGenerateTokens,
    maxSequenceLength: config.maxSequenceLength,
    maxRequestElements: config.maxRequestElements,
    pingIntervalMs: config.streamPingIntervalMs,
    closeTimeoutMs: CLOSE_TIMEOUT_MS,
    shutdownDrainMs: SHUTDOWN_DRAIN_MS,
  };
}

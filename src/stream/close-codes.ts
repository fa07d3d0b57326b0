/** WebSocket close codes this server sends (RFC 6455 section 7.4, plus one application code). */
export const CloseCode = {
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  /** The session was deleted or expired under the stream: nothing more can be computed. */
  SESSION_GONE: 4404,
} as const;

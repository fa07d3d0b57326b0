// Errors the client throws: one class per family of the server's error codes (docs/errors.md),
// each carrying the server's `code`, `message` and HTTP status, so callers branch on the class or
// on `code`, never on the message. ConnectionError is the client's own: the server could not be
// reached, or a stream could not be resumed.

/** Which family each server code belongs to (test/redis/client-typescript.test.ts checks it covers src/errors.ts). */
export const ERROR_FAMILIES = {
  INVALID_INPUT: 'InvalidRequestError',
  PAYLOAD_TOO_LARGE: 'InvalidRequestError',
  MALFORMED_REQUEST: 'InvalidRequestError',
  METHOD_NOT_ALLOWED: 'InvalidRequestError',
  REQUEST_TIMEOUT: 'InvalidRequestError',
  URI_TOO_LONG: 'InvalidRequestError',
  HEADERS_TOO_LARGE: 'InvalidRequestError',
  REQUEST_TOO_LARGE: 'InvalidRequestError',
  NON_FINITE_RESULT: 'InvalidRequestError',
  MODEL_LOAD_FAILED: 'InvalidRequestError',
  UNAUTHORIZED: 'AuthenticationError',
  FORBIDDEN: 'AuthenticationError',
  NOT_FOUND: 'NotFoundError',
  MODEL_NOT_FOUND: 'NotFoundError',
  SESSION_NOT_FOUND: 'NotFoundError',
  SEQUENCE_CONFLICT: 'ConflictError',
  MODEL_MISMATCH: 'ConflictError',
  MODEL_VERSION_UNLOADED: 'ConflictError',
  MODEL_CONTROL_DISABLED: 'ConflictError',
  WHOLE_SEQUENCE_MODEL: 'ConflictError',
  SESSION_EXISTS: 'ConflictError',
  TOO_MANY_SESSIONS: 'CapacityError',
  MODEL_NOT_READY: 'UnavailableError',
  STORE_UNAVAILABLE: 'UnavailableError',
  SHUTTING_DOWN: 'UnavailableError',
  INTERNAL_ERROR: 'ServerError',
} as const;

export type ErrorCode = keyof typeof ERROR_FAMILIES;

/** An error the server answered: `code` is its machine-readable code. */
export class RnnServeError extends Error {
  override name = 'RnnServeError';
  /** The server's code (ERROR_FAMILIES lists them), or a code of the client's own. */
  readonly code: string;
  /** The HTTP status, or undefined for an error frame on a stream. */
  readonly statusCode: number | undefined;
  /** Seconds the server asked to wait (Retry-After), when it said. */
  readonly retryAfter: number | undefined;

  constructor(code: string, message: string, statusCode?: number, retryAfter?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.statusCode = statusCode;
    this.retryAfter = retryAfter;
  }
}

/** 400, 405, 408, 413, 414, 422, 431: the request is wrong (shape, size, an unknown token, the method); resending it as is will not help. */
export class InvalidRequestError extends RnnServeError {
  override name = 'InvalidRequestError';
}
/** 401: no valid API key; 403: a key without the role the route needs (ADMIN_API_KEYS). */
export class AuthenticationError extends RnnServeError {
  override name = 'AuthenticationError';
}
/** 404: no such route, model or session (deleted, or expired after its TTL). */
export class NotFoundError extends RnnServeError {
  override name = 'NotFoundError';
}
/** 409: the session is not at expected_t, holds the state of another package of its model, or the model runs whole sequences only (no sessions). */
export class ConflictError extends RnnServeError {
  override name = 'ConflictError';
}
/** 429: MAX_SESSIONS reached; retry after `retryAfter` seconds. */
export class CapacityError extends RnnServeError {
  override name = 'CapacityError';
}
/** 503: the model failed to load, the session store does not answer, or the server drains. */
export class UnavailableError extends RnnServeError {
  override name = 'UnavailableError';
}
/** 500: a fault of the server. */
export class ServerError extends RnnServeError {
  override name = 'ServerError';
}
/** The client's own: no endpoint answered, or a stream could not be resumed. */
export class ConnectionError extends RnnServeError {
  override name = 'ConnectionError';
}

const CLASSES = { InvalidRequestError, AuthenticationError, NotFoundError, ConflictError, CapacityError, UnavailableError, ServerError };

/** The error for a server answer; unknown codes fall back on their status's family. */
export function errorFor(code: string, message: string, statusCode?: number, retryAfter?: number): RnnServeError {
  const family = (ERROR_FAMILIES as Record<string, keyof typeof CLASSES | undefined>)[code] ?? familyOfStatus(statusCode);
  const Class = family === undefined ? RnnServeError : CLASSES[family];
  return new Class(code, message, statusCode, retryAfter);
}

function familyOfStatus(status: number | undefined): keyof typeof CLASSES | undefined {
  if (status === undefined) return undefined;
  if (status === 401 || status === 403) return 'AuthenticationError';
  if (status === 404) return 'NotFoundError';
  if (status === 409) return 'ConflictError';
  if (status === 429) return 'CapacityError';
  if (status === 503) return 'UnavailableError';
  if (status >= 500) return 'ServerError';
  if (status >= 400) return 'InvalidRequestError';
  return undefined;
}

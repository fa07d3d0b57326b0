// How an error thrown anywhere in the service goes on the wire, the one table for every
// transport: HTTP answers with its statusCode and {code, message} (src/error-handler.ts), a
// WebSocket stream with an error frame {type: "error", code, message} (src/stream/). A service
// error (src/errors.ts) goes out as it is; anything else is an INTERNAL_ERROR whose details stay
// in the server log.
import * as errors from './errors.js';
import { InternalError } from './errors.js';

export interface WireError {
  readonly statusCode: number;
  readonly code: string;
  readonly message: string;
  /** Seconds, for Retry-After (capacity and store outages). */
  readonly retryAfterSeconds?: number;
}

/** Every code the service defines: such errors are already in the public shape. */
export const SERVICE_CODES: ReadonlySet<string> = new Set(Object.values(errors).map((ServiceError) => new ServiceError('').code));

/** The error as a service error on the wire, or undefined when it is not one (then: internalError). */
export function serviceWireError(error: unknown): WireError | undefined {
  const { code, statusCode, retryAfterSeconds } = error as { code?: unknown; statusCode?: unknown; retryAfterSeconds?: unknown };
  if (typeof code !== 'string' || !SERVICE_CODES.has(code)) return undefined;
  return {
    statusCode: typeof statusCode === 'number' ? statusCode : 500,
    code,
    message: (error as Error).message,
    ...(typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {}),
  };
}

/** What a client sees of an unexpected error; `where` names the request for the server log. */
export function internalWireError(where = ''): WireError {
  const internal = new InternalError(`internal error${where === '' ? '' : ` (${where})`}; the details are in the server log`);
  return { statusCode: 500, code: internal.code, message: internal.message };
}

/** The wire form of any error: the service's own, else INTERNAL_ERROR. */
export function toWireError(error: unknown, where = ''): WireError {
  return serviceWireError(error) ?? internalWireError(where);
}

export const WIRE_CODES = {
  INVALID_INPUT: new errors.InvalidInputError('').code,
  SESSION_NOT_FOUND: new errors.SessionNotFoundError('').code,
} as const;

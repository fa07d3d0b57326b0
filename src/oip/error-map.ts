// The ONE table from the dataplane's error codes (src/errors.ts) to the Open Inference
// Protocol's answers: the HTTP status of REST /v2 (Triton's HttpCodeFromError: 400 invalid,
// 404 not found, 503 unavailable) and the gRPC status code. Messages are the dataplane's own;
// anything without a code is an internal error whose details stay in the log.
import { status as GrpcStatus } from '@grpc/grpc-js';

interface ProtocolStatus {
  readonly http: number;
  readonly grpc: GrpcStatus;
}

export const OIP_ERROR_TABLE: Readonly<Record<string, ProtocolStatus>> = {
  INVALID_INPUT: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  // Triton answers an oversized request as invalid; gRPC's own limit says RESOURCE_EXHAUSTED.
  PAYLOAD_TOO_LARGE: { http: 400, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  // More work than one request may ask (MAX_BATCH_SEQUENCES, MAX_REQUEST_ELEMENTS): invalid, as an oversized body.
  REQUEST_TOO_LARGE: { http: 400, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  // Finite inputs whose computation overflowed float32: the request is what cannot be computed.
  NON_FINITE_RESULT: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  // HTTP-level refusals (src/plugins, the server's clientError handler): gRPC never sees these
  // from HTTP/1.1, but a code in one table must be in the other.
  MALFORMED_REQUEST: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  REQUEST_TIMEOUT: { http: 408, grpc: GrpcStatus.DEADLINE_EXCEEDED },
  URI_TOO_LONG: { http: 414, grpc: GrpcStatus.INVALID_ARGUMENT },
  HEADERS_TOO_LARGE: { http: 431, grpc: GrpcStatus.INVALID_ARGUMENT },
  METHOD_NOT_ALLOWED: { http: 405, grpc: GrpcStatus.UNIMPLEMENTED },
  UNAUTHORIZED: { http: 401, grpc: GrpcStatus.UNAUTHENTICATED },
  FORBIDDEN: { http: 403, grpc: GrpcStatus.PERMISSION_DENIED },
  NOT_FOUND: { http: 404, grpc: GrpcStatus.UNIMPLEMENTED },
  MODEL_NOT_FOUND: { http: 404, grpc: GrpcStatus.NOT_FOUND },
  // A sequence asked of a bidirectional or reverse model (whole sequences only): the request is what is wrong.
  WHOLE_SEQUENCE_MODEL: { http: 400, grpc: GrpcStatus.FAILED_PRECONDITION },
  SESSION_NOT_FOUND: { http: 404, grpc: GrpcStatus.NOT_FOUND },
  SESSION_EXISTS: { http: 409, grpc: GrpcStatus.ALREADY_EXISTS },
  SEQUENCE_CONFLICT: { http: 409, grpc: GrpcStatus.ABORTED },
  MODEL_MISMATCH: { http: 409, grpc: GrpcStatus.FAILED_PRECONDITION },
  MODEL_VERSION_UNLOADED: { http: 409, grpc: GrpcStatus.FAILED_PRECONDITION },
  // Triton answers a load or unload its model control mode forbids, and a load that failed, with 400.
  MODEL_CONTROL_DISABLED: { http: 400, grpc: GrpcStatus.FAILED_PRECONDITION },
  MODEL_LOAD_FAILED: { http: 400, grpc: GrpcStatus.INVALID_ARGUMENT },
  TOO_MANY_SESSIONS: { http: 429, grpc: GrpcStatus.RESOURCE_EXHAUSTED },
  MODEL_NOT_READY: { http: 503, grpc: GrpcStatus.UNAVAILABLE },
  STORE_UNAVAILABLE: { http: 503, grpc: GrpcStatus.UNAVAILABLE },
  SHUTTING_DOWN: { http: 503, grpc: GrpcStatus.UNAVAILABLE },
  INTERNAL_ERROR: { http: 500, grpc: GrpcStatus.INTERNAL },
};

export interface ProtocolError {
  readonly http: number;
  readonly grpc: GrpcStatus;
  readonly message: string;
  /** The dataplane's code, for logs. */
  readonly code: string;
  /** TOO_MANY_SESSIONS: when to retry (Retry-After). */
  readonly retryAfterSeconds?: number;
  /** True when the message was replaced: the original error must be logged. */
  readonly internal: boolean;
}

/** Fastify's own request errors (body parsing and limits), in the service's words. */
const FASTIFY_ERRORS: Readonly<Record<string, (limitBytes: number) => { code: string; message: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (limit) => ({
    code: 'PAYLOAD_TOO_LARGE',
    message: `the body is larger than the limit of ${limit} bytes (BODY_LIMIT_BYTES)`,
  }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => ({ code: 'INVALID_INPUT', message: 'the Content-Length header does not match the body' }),
};

export function toProtocolError(error: unknown, context: { bodyLimitBytes: number; requestId?: string }): ProtocolError {
  const { code, message, statusCode, retryAfterSeconds } = error as {
    code?: unknown;
    message?: unknown;
    statusCode?: unknown;
    retryAfterSeconds?: unknown;
  };
  const retry = typeof retryAfterSeconds === 'number' ? { retryAfterSeconds } : {};
  if (typeof code === 'string') {
    const known = OIP_ERROR_TABLE[code];
    if (known !== undefined) return { ...known, code, message: String(message), internal: false, ...retry };
    const fastify = FASTIFY_ERRORS[code]?.(context.bodyLimitBytes);
    if (fastify !== undefined) return { ...OIP_ERROR_TABLE[fastify.code]!, ...fastify, internal: false };
    // Other client errors raised by Fastify itself are about the request: safe to return.
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return { ...OIP_ERROR_TABLE.INVALID_INPUT!, code: 'INVALID_INPUT', message: String(message), internal: false };
    }
  }
  const where = context.requestId === undefined ? '' : ` (request ${context.requestId})`;
  return {
    ...OIP_ERROR_TABLE.INTERNAL_ERROR!,
    code: 'INTERNAL_ERROR',
    message: `internal error${where}; the details are in the server log`,
    internal: true,
  };
}

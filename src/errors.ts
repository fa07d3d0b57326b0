// Every error code the service answers with, in one place (api.md "Conventions").
// Each is an @fastify/error constructor taking one argument: the message that says what was
// wrong and where. Fastify's error handler turns them into
// {"statusCode", "code", "error", "message"}. A test keeps this list and the docs in step.
import createError from '@fastify/error';

// Requests
export const InvalidInputError = createError<'INVALID_INPUT', 400, [string]>('INVALID_INPUT', '%s', 400);
export const PayloadTooLargeError = createError<'PAYLOAD_TOO_LARGE', 413, [string]>('PAYLOAD_TOO_LARGE', '%s', 413);
export const RouteNotFoundError = createError<'NOT_FOUND', 404, [string]>('NOT_FOUND', '%s', 404);
/** The request asks for more work than one request may (MAX_REQUEST_ELEMENTS, MAX_BATCH_SEQUENCES): split it. */
export const RequestTooLargeError = createError<'REQUEST_TOO_LARGE', 413, [string]>('REQUEST_TOO_LARGE', '%s', 413);
/** Finite inputs whose computation overflowed float32: nothing is answered or written. */
export const NonFiniteResultError = createError<'NON_FINITE_RESULT', 422, [string]>('NON_FINITE_RESULT', '%s', 422);
export const UnauthorizedError = createError<'UNAUTHORIZED', 401, [string]>('UNAUTHORIZED', '%s', 401);
/** A valid API key without the admin role (ADMIN_API_KEYS) on a model repository route. */
export const ForbiddenError = createError<'FORBIDDEN', 403, [string]>('FORBIDDEN', '%s', 403);
export const MethodNotAllowedError = createError<'METHOD_NOT_ALLOWED', 405, [string]>('METHOD_NOT_ALLOWED', '%s', 405);

// HTTP: what the server refuses before a route runs (HTTP parser, router, timeouts)
/** The HTTP request itself is broken: a parser error, a missing Host header. */
export const MalformedRequestError = createError<'MALFORMED_REQUEST', 400, [string]>('MALFORMED_REQUEST', '%s', 400);
export const RequestTimeoutError = createError<'REQUEST_TIMEOUT', 408, [string]>('REQUEST_TIMEOUT', '%s', 408);
export const UriTooLongError = createError<'URI_TOO_LONG', 414, [string]>('URI_TOO_LONG', '%s', 414);
export const HeadersTooLargeError = createError<'HEADERS_TOO_LARGE', 431, [string]>('HEADERS_TOO_LARGE', '%s', 431);

// Models
export const ModelNotFoundError = createError<'MODEL_NOT_FOUND', 404, [string]>('MODEL_NOT_FOUND', '%s', 404);
export const ModelNotReadyError = createError<'MODEL_NOT_READY', 503, [string]>('MODEL_NOT_READY', '%s', 503);
/** A bidirectional or reverse model needs the whole sequence: no session, stream, generate or forecast. */
export const WholeSequenceModelError = createError<'WHOLE_SEQUENCE_MODEL', 409, [string]>('WHOLE_SEQUENCE_MODEL', '%s', 409);

/** Load or unload asked while MODEL_CONTROL is not explicit (none: fixed at start; poll: the folder decides). */
export const ModelControlDisabledError = createError<'MODEL_CONTROL_DISABLED', 409, [string]>('MODEL_CONTROL_DISABLED', '%s', 409);
/** A load request whose package (or model.json) failed to load; whatever served before still serves. */
export const ModelLoadFailedError = createError<'MODEL_LOAD_FAILED', 422, [string]>('MODEL_LOAD_FAILED', '%s', 422);

// Sessions
export const SessionNotFoundError = createError<'SESSION_NOT_FOUND', 404, [string]>('SESSION_NOT_FOUND', '%s', 404);
/** A session is created under an id a live session already has (caller-chosen ids: OIP sequence_id). */
export const SessionExistsError = createError<'SESSION_EXISTS', 409, [string]>('SESSION_EXISTS', '%s', 409);
export const SequenceConflictError = createError<'SEQUENCE_CONFLICT', 409, [string]>('SEQUENCE_CONFLICT', '%s', 409);
/** The session was created with another package of its model (a rolling upgrade): never compute with other weights. */
export const ModelMismatchError = createError<'MODEL_MISMATCH', 409, [string]>('MODEL_MISMATCH', '%s', 409);
/** The session's model version is no longer loaded here (unloaded, or not yet loaded on this replica): reset moves it to the current one. */
export const ModelVersionUnloadedError = createError<'MODEL_VERSION_UNLOADED', 409, [string]>('MODEL_VERSION_UNLOADED', '%s', 409);
export const TooManySessionsError = createError<'TOO_MANY_SESSIONS', 429, [string]>('TOO_MANY_SESSIONS', '%s', 429);
export const StoreUnavailableError = createError<'STORE_UNAVAILABLE', 503, [string]>('STORE_UNAVAILABLE', '%s', 503);

// Server
export const ShuttingDownError = createError<'SHUTTING_DOWN', 503, [string]>('SHUTTING_DOWN', '%s', 503);
export const InternalError = createError<'INTERNAL_ERROR', 500, [string]>('INTERNAL_ERROR', '%s', 500);

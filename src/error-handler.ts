// One error shape for every failure: {"statusCode", "code", "error", "message"} with a code
// from src/errors.ts. Fastify's own errors (schema validation, JSON parsing, body limit) are
// translated; anything unexpected becomes INTERNAL_ERROR without its internals. Logging is
// the request-logging plugin's job (4xx at info, 5xx at error with the original error).
// The router's own refusals (a bad %-encoding, a parameter over MAX_PARAM_LENGTH) come through
// frameworkErrorHandler, the HTTP parser's through client-error-handler.ts, unknown paths and
// methods through the not-found plugin: every answer has this shape.
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import type { Config } from './config.js';
import { InvalidInputError, PayloadTooLargeError, UriTooLongError } from './errors.js';
import { internalWireError, serviceWireError, type WireError } from './wire-errors.js';

export type PublicError = Pick<WireError, 'statusCode' | 'code' | 'message'>;

export interface ErrorBody extends PublicError {
  readonly error: string;
}

/** The documented body of an error answer. */
export function errorBody({ statusCode, code, message }: PublicError): ErrorBody {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

export function createErrorHandler(config: Pick<Config, 'bodyLimitBytes'>) {
  return function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const { statusCode, code, message } = toPublicError(error, request, config);
    const retryAfter = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
    void reply.code(statusCode).send(errorBody({ statusCode, code, message }));
  };
}

/**
 * Fastify's `frameworkErrors` option: the router's refusals, which never reach a route or a
 * hook. Fastify's default answers echo the whole URL and carry its own FST_ codes.
 */
export function createFrameworkErrorHandler(config: Pick<Config, 'maxParamLength'>) {
  return function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const answer = describeFrameworkError(error, request, config);
    request.log.info({ statusCode: answer.statusCode, code: answer.code, err: error }, 'request refused by the router');
    // An upgrade refused here is answered before the upgrade guard sees it: say that the socket
    // closes (stream/refused-upgrades.ts closes it).
    if (request.headers.upgrade !== undefined) void reply.header('connection', 'close');
    void reply.code(answer.statusCode).send(errorBody(answer));
  };
}

function describeFrameworkError(error: FastifyError, request: FastifyRequest, config: Pick<Config, 'maxParamLength'>): PublicError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return invalid(`the path '${abbreviated(pathOf(request))}' is not valid percent-encoding (each % must be followed by two hex digits of UTF-8)`);
    case 'FST_ERR_MAX_PARAM_LENGTH': {
      const tooLong = new UriTooLongError(
        `a path parameter (a model name or a session id) is longer than ${config.maxParamLength} characters (MAX_PARAM_LENGTH)`,
      );
      return { statusCode: 414, code: tooLong.code, message: tooLong.message };
    }
    default:
      return internalWireError(`request ${request.id}`);
  }
}

export function pathOf(request: FastifyRequest): string {
  return request.url.split('?', 1)[0] ?? '';
}

/** A client's text quoted in an answer, cut so that an answer never echoes a whole long URL. */
export function abbreviated(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/** An error in the service's words (code, status, message); the model repository routes answer it in their own shape. */
export function toPublicError(error: FastifyError, request: FastifyRequest, config: Pick<Config, 'bodyLimitBytes'>): PublicError {
  if (error.validation !== undefined) {
    return invalid(describeValidation(error.validation, error.validationContext));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalid('the body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalid("the body is empty but its content-type is JSON: send a JSON object, e.g. '{}'");
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalid(`content-type '${request.headers['content-type'] ?? ''}' is not supported: send application/json`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const tooLarge = new PayloadTooLargeError(
        `the body is larger than the limit of ${config.bodyLimitBytes} bytes (BODY_LIMIT_BYTES)`,
      );
      return { statusCode: 413, code: tooLarge.code, message: tooLarge.message };
    }
  }
  const service = serviceWireError(error);
  if (service !== undefined) return service;
  // Other client errors raised by Fastify itself (a bad URL, a bad content-length): their
  // messages are about the request, so they are safe to return.
  const statusCode = error.statusCode ?? 500;
  if (statusCode >= 400 && statusCode < 500) return invalid(error.message);
  return internalWireError(`request ${request.id}`);
}

function invalid(message: string): PublicError {
  return { statusCode: 400, code: new InvalidInputError('').code, message };
}

const TYPE_MESSAGES: Record<string, string> = {
  number: 'is not a finite number',
  integer: 'is not an integer',
  object: 'must be a JSON object',
  array: 'must be an array',
  string: 'must be a string',
  boolean: 'must be true or false',
};

/** "inputs[1][0] is not a finite number" from Ajv's first error: where, then what. */
function describeValidation(issues: readonly FastifySchemaValidationError[], context: string | undefined): string {
  const issue = issues[0];
  if (issue === undefined) return `the request ${context ?? 'body'} is not valid`;
  const params = issue.params as Record<string, unknown>;
  let path = pointerToPath(issue.instancePath);
  if (issue.keyword === 'required' && typeof params.missingProperty === 'string') {
    path = joinPath(path, params.missingProperty);
    return `${located(path, context)} is required`;
  }
  if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    path = joinPath(path, params.additionalProperty);
    return `${located(path, context)} is not a field of this request (unknown fields are refused: check the spelling)`;
  }
  const what =
    issue.keyword === 'type' && typeof params.type === 'string'
      ? (TYPE_MESSAGES[params.type] ?? `must be ${params.type}`)
      : issue.keyword === 'anyOf' || issue.keyword === 'oneOf'
        ? 'has none of the accepted types'
        : (issue.message ?? 'is not valid');
  return `${located(path, context)} ${what}`;
}

/** The body's fields are named bare (inputs[2]); other parts with their part (params.id). */
function located(path: string, context: string | undefined): string {
  if (context === undefined || context === 'body') return path === '' ? 'the request body' : path;
  return path === '' ? `the request ${context}` : `${context}.${path}`;
}

/** JSON pointer "/sequences/1/inputs/0" -> "sequences[1].inputs[0]". */
function pointerToPath(pointer: string): string {
  let path = '';
  for (const raw of pointer.split('/').slice(1)) {
    path = joinPath(path, raw.replaceAll('~1', '/').replaceAll('~0', '~'));
  }
  return path;
}

function joinPath(path: string, segment: string): string {
  if (/^\d+$/.test(segment)) return `${path}[${segment}]`;
  return path === '' ? segment : `${path}.${segment}`;
}

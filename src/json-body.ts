// The JSON body parser of every route: Fastify's own (secure-json-parse, which refuses the keys
// that poison prototypes) with answers that say what is wrong. Fastify's parser reports a
// `__proto__` key and a missing brace alike as "not valid JSON"; here a forbidden key is named
// with its place in the body, and a syntax error gives its position.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import sjson from 'secure-json-parse';
import { InvalidInputError } from './errors.js';

const FORBIDDEN_KEY = 'forbidden prototype property';

export function parseJsonBody(text: string): unknown {
  if (text === '') {
    throw new InvalidInputError("the body is empty but its content-type is JSON: send a JSON object, e.g. '{}'");
  }
  try {
    return sjson.parse(text, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if (error instanceof SyntaxError && error.message.includes(FORBIDDEN_KEY)) {
      // Plain JSON.parse keeps `__proto__` as an ordinary key, so the walk below can find it.
      const where = forbiddenKeyPath(JSON.parse(text) as unknown) ?? 'a key';
      throw new InvalidInputError(`${where}: this key is forbidden (__proto__ and constructor.prototype are refused in every body)`);
    }
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    throw new InvalidInputError(position === undefined ? 'the body is not valid JSON' : `the body is not valid JSON (at character ${position})`);
  }
}

/** Where the first `__proto__` or `constructor.prototype` key is, e.g. "sequences[0].__proto__". */
function forbiddenKeyPath(value: unknown, path = ''): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = forbiddenKeyPath(value[i], `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, child] of Object.entries(value)) {
    const here = path === '' ? key : `${path}.${key}`;
    if (key === '__proto__') return here;
    if (key === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) {
      return `${here}.prototype`;
    }
    const found = forbiddenKeyPath(child, here);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Replaces Fastify's application/json parser (same body limit, same content types). */
export function useJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request: FastifyRequest, body: string | Buffer, done) => {
    try {
      done(null, parseJsonBody(typeof body === 'string' ? body : body.toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

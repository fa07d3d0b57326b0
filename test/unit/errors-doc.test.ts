// Drift between the error codes the service defines (src/errors.ts) and the ones it documents
// (docs/errors.md, the "## Errors" section of the README): checked both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as errors from '../../src/errors.js';

const DOC = 'docs/errors.md';

/** code -> HTTP status of every error constructor src/errors.ts exports. */
function definedCodes(): Map<string, number> {
  const codes = new Map<string, number>();
  for (const [name, value] of Object.entries(errors)) {
    assert.equal(typeof value, 'function', `src/errors.ts exports ${name}, which is not an error constructor`);
    const error = new (value as new (message: string) => { code: string; statusCode: number })('probe');
    codes.set(error.code, error.statusCode);
  }
  return codes;
}

/** code -> status of every row of the `| code | status | meaning |` table in the docs. */
function documentedCodes(): Map<string, number> {
  const lines = readFileSync(DOC, 'utf8').split('\n');
  const header = lines.findIndex((line) => /^\|\s*code\s*\|\s*status\s*\|\s*meaning\s*\|\s*$/.test(line));
  assert.notEqual(header, -1, `${DOC} has no "| code | status | meaning |" table`);
  const codes = new Map<string, number>();
  // header + 2 skips the |---| separator; the table ends at the first line not starting with |.
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const [code = '', status = ''] = line.split('|').slice(1).map((cell) => cell.trim().replaceAll('`', ''));
    assert.match(status, /^\d{3}$/, `${DOC}: row ${code} has status "${status}", not an HTTP status`);
    assert.ok(!codes.has(code), `${DOC} lists ${code} twice`);
    codes.set(code, Number(status));
  }
  return codes;
}

test('every error code in src/errors.ts is documented with its status', () => {
  const documented = documentedCodes();
  for (const [code, status] of definedCodes()) {
    assert.ok(documented.has(code), `${code} is defined in src/errors.ts but missing from ${DOC}`);
    assert.equal(documented.get(code), status, `${code}: ${DOC} says ${documented.get(code)}, src/errors.ts says ${status}`);
  }
});

test('every documented error code exists in src/errors.ts', () => {
  const defined = definedCodes();
  for (const code of documentedCodes().keys()) {
    assert.ok(defined.has(code), `${DOC} documents ${code}, which src/errors.ts does not define`);
  }
});

test('the codes api.md promises are all defined', () => {
  const defined = definedCodes();
  const promised = {
    MODEL_NOT_FOUND: 404,
    SESSION_NOT_FOUND: 404,
    INVALID_INPUT: 400,
    PAYLOAD_TOO_LARGE: 413,
    SEQUENCE_CONFLICT: 409,
    TOO_MANY_SESSIONS: 429,
    UNAUTHORIZED: 401,
    MODEL_NOT_READY: 503,
  };
  for (const [code, status] of Object.entries(promised)) assert.equal(defined.get(code), status, code);
});

// Open Inference Protocol requests for tests: a PyTorch case (cases.json) as input tensors, a
// binary-tensor-extension body, and the reading of a binary response.
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { BUNDLED_MODELS, MODELS_DIR, bundledModelsOnly } from './bundled-models.js';
import { assertClose, readCaseFile, type PackageCase } from './fixtures.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The Open Inference Protocol's official specs (../shared/oip, or SHARED_OIP_DIR); tests that read them run when it exists. */
export const SHARED_OIP_DIR = resolve(process.env.SHARED_OIP_DIR ?? join(repoRoot, '..', 'shared', 'oip'));

/** The bundled models and their PyTorch cases. */
export const BUNDLED_CASES = BUNDLED_MODELS.map((name) => ({ name, caseFile: readCaseFile(join(MODELS_DIR, name)) }));

export const INPUT_SIZES: Readonly<Record<string, number>> = { 'co2-lstm': 1, 'kjv-char-gru': 32, 'min-char-rnn': 63 };

/** A folder with copies of the bundled packages only (not what a user exported into models/), removed after the file's tests. */
export function servedModelsDir(): string {
  const models = bundledModelsOnly();
  after(models.cleanup);
  return models.dir;
}

export interface JsonTensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: Record<string, unknown>;
}

/** The case's sequence (input, tokens or text) and start state as request tensors, B = 1. */
export function caseTensors(c: PackageCase, inputSize: number): JsonTensor[] {
  const tensors: JsonTensor[] = [];
  if (c.text !== undefined) tensors.push({ name: 'text', datatype: 'BYTES', shape: [1], data: [c.text] });
  else if (c.tokens !== undefined) tensors.push({ name: 'tokens', datatype: 'INT64', shape: [1, c.tokens.length], data: [...c.tokens] });
  else tensors.push({ name: 'input', datatype: 'FP32', shape: [1, c.inputs!.length, inputSize], data: c.inputs!.map((row) => [...row]) });
  if (c.state !== undefined) {
    const L = c.state.h.length;
    const H = c.state.h[0]!.length;
    tensors.push({ name: 'state_h', datatype: 'FP32', shape: [1, L, H], data: c.state.h.flat() });
    if (c.state.c !== undefined) tensors.push({ name: 'state_c', datatype: 'FP32', shape: [1, L, H], data: c.state.c.flat() });
  }
  return tensors;
}

/** The elements of a case's T steps from `from` to `to` (exclusive) as one request tensor. */
export function caseSlice(c: PackageCase, inputSize: number, from: number, to: number): JsonTensor {
  if (c.tokens !== undefined) return { name: 'tokens', datatype: 'INT64', shape: [1, to - from], data: c.tokens.slice(from, to) };
  return { name: 'input', datatype: 'FP32', shape: [1, to - from, inputSize], data: c.inputs!.slice(from, to).flat() };
}

/** A body of the binary tensor extension: the JSON header, then each tensor's bytes in order. */
export function binaryBody(header: object, tensors: readonly Uint8Array[]): { payload: Buffer; headers: Record<string, string> } {
  const json = Buffer.from(JSON.stringify(header));
  return {
    payload: Buffer.concat([json, ...tensors]),
    headers: { 'inference-header-content-length': String(json.length), 'content-type': 'application/octet-stream' },
  };
}

export function float32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

export interface OutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: number[];
  parameters?: { binary_data_size?: number };
}

export interface InferBody {
  model_name: string;
  model_version?: string;
  id?: string;
  outputs: OutputTensor[];
}

/** A 200 infer response, JSON or binary, with every output's values as numbers. */
export function readInferResponse(response: LightMyRequestResponse): { body: InferBody; values: Map<string, number[]> } {
  assert.equal(response.statusCode, 200, response.body);
  const raw = response.rawPayload;
  const headerLength = response.headers['inference-header-content-length'];
  const jsonLength = headerLength === undefined ? raw.length : Number(headerLength);
  const body = JSON.parse(raw.subarray(0, jsonLength).toString('utf8')) as InferBody;
  const values = new Map<string, number[]>();
  let at = jsonLength;
  for (const output of body.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) {
      // JSON writes each float32 as the shortest decimal that reads back as it: read it back so.
      values.set(output.name, output.data!.map(Math.fround));
      continue;
    }
    const bytes = raw.subarray(at, at + size);
    at += size;
    values.set(output.name, Array.from(new Float32Array(new Uint8Array(bytes).buffer)));
  }
  assert.equal(at, raw.length, 'the binary outputs fill the rest of the body');
  return { body, values };
}

/** A {"error": "..."} answer with this status whose message contains `part`. */
export function assertV2Error(response: LightMyRequestResponse, statusCode: number, part: string | RegExp): void {
  assert.equal(response.statusCode, statusCode, response.body);
  const body = response.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body), ['error'], response.body);
  if (typeof part === 'string') assert.ok(String(body.error).includes(part), `"${String(body.error)}" should contain "${part}"`);
  else assert.match(String(body.error), part);
}

export type Apps = readonly FastifyInstance[];

/** Sends a case as start / middle / end requests, the k-th to apps[k % apps.length]; answers the values. */
export async function runCaseAsSequence(apps: Apps, model: string, c: PackageCase, id: number | string) {
  const I = INPUT_SIZES[model]!;
  const T = c.outputs.length;
  const cuts = [0, Math.max(1, Math.floor(T / 3)), Math.max(2, Math.floor((2 * T) / 3)), T];
  const outputs: number[] = [];
  let last: Map<string, number[]> | undefined;
  for (let k = 0; k < 3; k++) {
    const inputs: JsonTensor[] = [caseSlice(c, I, cuts[k]!, cuts[k + 1]!)];
    if (k === 0) inputs.push(...caseTensors(c, I).filter((tensor) => tensor.name.startsWith('state_')));
    const parameters = { sequence_id: id, ...(k === 0 ? { sequence_start: true } : {}), ...(k === 2 ? { sequence_end: true } : {}) };
    const response = await apps[k % apps.length]!.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: { parameters, inputs } });
    const { values } = readInferResponse(response);
    outputs.push(...values.get('output')!);
    last = values;
  }
  return { outputs, last: last! };
}

export function assertCase(result: Awaited<ReturnType<typeof runCaseAsSequence>>, c: PackageCase, tolerance: { abs: number; rel: number }, what: string) {
  assertClose(result.outputs, c.outputs.flat(), tolerance, `${what} outputs`);
  assertClose(result.last.get('state_h')!, c.final_state.h.flat(), tolerance, `${what} h`);
  if (c.final_state.c !== undefined) assertClose(result.last.get('state_c')!, c.final_state.c.flat(), tolerance, `${what} c`);
}

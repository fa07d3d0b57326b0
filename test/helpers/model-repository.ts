// Model repositories for the versioning tests: a temp MODELS_DIR holding one model whose
// versions are random packages of one shape (a different seed each: other weights), and small
// helpers to drive the app over HTTP (app.inject) the way an operator and a client would.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { writeRandomPackage, type RandomPackageConfig } from './model-files.js';

export const GRU: RandomPackageConfig = { architecture: 'gru', input_size: 3, hidden_size: 4, output_size: 2 };

export class VersionedRepository {
  readonly dir = mkdtempSync(join(tmpdir(), 'rnn-serve-versions-'));

  /** models/<model>/ with the given versions, version v seeded with v (unless seeds says otherwise). */
  constructor(readonly model = 'gru', versions: readonly number[] = [1]) {
    mkdirSync(join(this.dir, model));
    for (const version of versions) this.addVersion(version);
  }

  get modelDir(): string {
    return join(this.dir, this.model);
  }

  /** Writes version `version` as a hidden folder, then renames it in: what a careful operator's copy does. */
  addVersion(version: number, seed = version): void {
    const hidden = `.incoming-${version}`;
    writeRandomPackage(this.modelDir, hidden, GRU, seed);
    renameSync(join(this.modelDir, hidden), join(this.modelDir, String(version)));
  }

  /** A version folder whose config.json is not valid JSON. */
  addBrokenVersion(version: number): void {
    mkdirSync(join(this.modelDir, String(version)));
    writeFileSync(join(this.modelDir, String(version), 'config.json'), '{"architecture": "gru", ');
  }

  /** Makes a loaded version's package unreadable in place (its config.json no longer JSON). */
  breakVersion(version: number): void {
    writeFileSync(join(this.modelDir, String(version), 'config.json'), '{"architecture": "gru", ');
  }

  /** Replaces a version's package by other weights (a changed package under the same version). */
  replaceVersion(version: number, seed: number): void {
    rmSync(join(this.modelDir, String(version)), { recursive: true });
    this.addVersion(version, seed);
  }

  writePolicy(policy: unknown): void {
    writeFileSync(join(this.modelDir, 'model.json'), JSON.stringify({ version_policy: policy }));
  }

  cleanup = (): void => rmSync(this.dir, { recursive: true, force: true });
}

export const X = [
  [0.5, -0.25, 1],
  [0.1, 0.2, 0.3],
  [-1, 0.75, 0.05],
  [0.3, -0.6, 0.9],
];

export function json<T = Record<string, unknown>>(response: LightMyRequestResponse, status = 200): T {
  assert.equal(response.statusCode, status, response.body);
  return response.json() as T;
}

export async function predictOutputs(app: FastifyInstance, url: string, inputs: number[][]): Promise<number[][]> {
  return json<{ outputs: number[][] }>(await app.inject({ method: 'POST', url, payload: { inputs } })).outputs;
}

export async function createSession(app: FastifyInstance, body: Record<string, unknown> = { model: 'gru' }): Promise<{ session_id: string; model_version: string }> {
  return json(await app.inject({ method: 'POST', url: '/v1/sessions', payload: body }), 201);
}

export function step(app: FastifyInstance, id: string, inputs: number[][]): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { inputs } });
}

export async function stepOutputs(app: FastifyInstance, id: string, inputs: number[][]): Promise<number[][]> {
  return json<{ outputs: number[][] }>(await step(app, id, inputs)).outputs;
}

export interface IndexRow {
  name: string;
  version?: string;
  state: string;
  reason: string;
}

/** POST /v2/repository/index, its shape checked against the extension's $repository_index_response. */
export async function repositoryIndex(app: FastifyInstance, headers: Record<string, string> = {}): Promise<IndexRow[]> {
  const rows = json<IndexRow[]>(await app.inject({ method: 'POST', url: '/v2/repository/index', payload: {}, headers }));
  assert.ok(Array.isArray(rows), 'the index is a JSON array');
  for (const row of rows) {
    const keys = Object.keys(row).sort();
    assert.ok(
      JSON.stringify(keys) === JSON.stringify(['name', 'reason', 'state']) || JSON.stringify(keys) === JSON.stringify(['name', 'reason', 'state', 'version']),
      `an index entry has name, version (optional), state and reason: ${JSON.stringify(row)}`,
    );
    assert.equal(typeof row.name, 'string');
    assert.equal(typeof row.state, 'string');
    assert.equal(typeof row.reason, 'string');
    if (row.version !== undefined) assert.equal(typeof row.version, 'string');
  }
  return rows;
}

/** Polls `check` until it answers true (the poller works on its own timer); fails after `deadlineMs` saying what it waited for. */
export async function waitFor(what: string, check: () => Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`waited ${deadlineMs} ms for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// A sequence of the Open Inference Protocol (REST /v2) started on one app continues on another
// sharing Redis: the sequence_id is the session id in the store, so start, step and end may
// each land on a different replica and still give PyTorch's whole-sequence results.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { BUNDLED_CASES, assertCase, runCaseAsSequence, servedModelsDir } from '../helpers/oip.js';
import { RedisPrefixes, TEST_REDIS_URL, requireRedis } from '../helpers/redis.js';

const MODELS_DIR = servedModelsDir();
const packages = BUNDLED_CASES;

describe('REST /v2 sequences across replicas sharing Redis', () => {
  const prefixes = new RedisPrefixes();
  let apps: FastifyInstance[] = [];
  before(async () => {
    await requireRedis();
    const env = { MODELS_DIR, SESSION_STORE: 'redis', REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefixes.create('oip-sequences') };
    apps = [await buildTestApp(env), await buildTestApp(env)];
  });
  after(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await prefixes.deleteAll();
  });

  for (const { name, caseFile } of packages) {
    const c = caseFile.cases[1]!;
    it(`${name}: started on one app, stepped on the other, ended on the first: PyTorch's results`, async () => {
      const id = `replica-${name}`;
      assertCase(await runCaseAsSequence(apps, name, c, id), c, caseFile.tolerance, `${name} ${c.name}`);
      await assert.rejects(apps[1]!.inference.getSession(id), { code: 'SESSION_NOT_FOUND' });
    });
  }
});

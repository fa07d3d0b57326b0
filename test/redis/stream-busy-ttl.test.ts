// A busy stream (or request) must not lose its session to the idle TTL (issue 9, finding 5): with ttl_seconds
// 1 and a generate that runs 2 s, the renewal used to wait behind the running message, the
// session expired under it, and the connected, reading client got SESSION_NOT_FOUND. The open
// stream keeps its session alive while it works, independently of its message queue, without
// bumping the session's version (so the running work's own write still lands), on the memory
// and the Redis store. The engine is slowed down by a scheduler that waits before each call;
// pings are left at their default (30 s), so no ping tick helps.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createDirectScheduler, type StepScheduler } from '../../src/service/step-scheduler.js';
import { buildTestApp } from '../helpers/app.js';
import { bundledModelsOnly } from '../helpers/bundled-models.js';
import { RedisPrefixes, requireRedis } from '../helpers/redis.js';
import { StreamClient, listenForStreams } from '../helpers/stream-client.js';

const bundled = bundledModelsOnly();
const BUNDLED = bundled.dir;
const ENGINE_DELAY_MS = 25;
const TOKENS = 80; // 80 x 25 ms: 2 s, twice the session's TTL

/** The direct scheduler, each call delayed: a generate of TOKENS tokens takes about 2 s. */
function slowScheduler(): StepScheduler {
  const direct = createDirectScheduler();
  return {
    async run(model, state, inputs, steps) {
      await new Promise((resolve) => setTimeout(resolve, ENGINE_DELAY_MS));
      return direct.run(model, state, inputs, steps);
    },
    close: () => direct.close(),
  };
}

const prefixes = new RedisPrefixes();
after(async () => {
  await prefixes.deleteAll();
  bundled.cleanup();
});

for (const store of ['memory', 'redis'] as const) {
  describe(`a busy stream keeps its session (${store} store)`, () => {
    let app: FastifyInstance;
    let base: string;
    before(async () => {
      if (store === 'redis') await requireRedis();
      const env: Record<string, string> = { MODELS_DIR: BUNDLED, MAX_GENERATE_TOKENS: String(TOKENS) };
      if (store === 'redis') Object.assign(env, { SESSION_STORE: 'redis', REDIS_KEY_PREFIX: prefixes.create('busy-ttl') });
      app = await buildTestApp(env, { createScheduler: slowScheduler });
      base = await listenForStreams(app);
    });
    after(() => app.close());

    it('a 2 s generate on a session with ttl_seconds 1 finishes and is stored; the session lives on', async () => {
      const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'kjv-char-gru', ttl_seconds: 1 } });
      assert.equal(created.statusCode, 201, created.body);
      const id = created.json().session_id as string;
      const client = await StreamClient.open(`${base}/v1/sessions/${id}/stream`);
      await client.json();
      const started = Date.now();
      client.sendJson({ type: 'generate', text: 'In', max_tokens: TOKENS, temperature: 0, id: 'g' });
      let reply = await client.json();
      let tokens = 0;
      while (reply.type === 'token') {
        tokens++;
        reply = await client.json();
      }
      assert.ok(Date.now() - started > 1500, 'the generate ran longer than the TTL');
      assert.equal(reply.type, 'generated', JSON.stringify(reply));
      assert.deepEqual([tokens, reply.t, reply.id], [TOKENS, 2 + TOKENS, 'g']);
      const read = await app.inject(`/v1/sessions/${id}`);
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().t, 2 + TOKENS);
      await client.close();
    });

    it('over REST too: a 2 s session generate with ttl_seconds 1 is stored, not lost to the TTL', async () => {
      const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'kjv-char-gru', ttl_seconds: 1 } });
      const id = created.json().session_id as string;
      const started = Date.now();
      const generated = await app.inject({
        method: 'POST',
        url: `/v1/sessions/${id}/generate`,
        payload: { text: 'In', max_tokens: TOKENS, temperature: 0 },
      });
      assert.ok(Date.now() - started > 1500, 'the generate ran longer than the TTL');
      assert.equal(generated.statusCode, 200, generated.body);
      assert.equal(generated.json().t, 2 + TOKENS);
    });
  });
}

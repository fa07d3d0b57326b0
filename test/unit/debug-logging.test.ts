// What LOG_LEVEL=debug adds (issue 9, finding 11): one line per session lifecycle event
// (created, reset, deleted, expired) and per batcher flush (how many sessions advanced together,
// how many elements, what was requeued), with ids and counts but never inputs or states. At info
// none of them is written.
import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLoggerOptions } from '../../src/logger.js';
import { ManualClock } from '../helpers/app.js';
import { bundledModelsOnly } from '../helpers/bundled-models.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const bundled = bundledModelsOnly();
after(() => bundled.cleanup());
const BUNDLED = bundled.dir;
const DEBUG = 20;

async function appAt(t: TestContext, level: string, clock: ManualClock) {
  const config = loadConfig({ MODELS_DIR: BUNDLED, LOG_LEVEL: level, SESSION_TTL_SECONDS: '60' });
  const lines: LogLine[] = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) };
  const app = await buildApp({ config, logger: { ...createLoggerOptions(config), stream }, clock: clock.now });
  t.after(() => app.close());
  await app.ready();
  return { app, lines };
}

async function lifecycle(app: Awaited<ReturnType<typeof appAt>>['app'], clock: ManualClock): Promise<string> {
  const created = await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'kjv-char-gru' } });
  const id = created.json().session_id as string;
  await app.inject({ method: 'POST', url: `/v1/sessions/${id}/steps`, payload: { text: 'In the' } });
  await app.inject({ method: 'POST', url: `/v1/sessions/${id}/reset` });
  await app.inject({ method: 'DELETE', url: `/v1/sessions/${id}` });
  // Concurrent long sequences: the batcher advances them together, in bounded flushes.
  await app.inject({
    method: 'POST',
    url: '/v1/models/kjv-char-gru/predict',
    payload: { sequences: Array.from({ length: 4 }, () => ({ text: 'In the beginning God created the heaven and the earth.'.repeat(10) })) },
  });
  const doomed = (await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'kjv-char-gru' } })).json().session_id as string;
  clock.advance(61_000);
  assert.equal((await app.inject(`/v1/sessions/${doomed}`)).statusCode, 404);
  return id;
}

describe('LOG_LEVEL=debug', () => {
  it('logs session lifecycle and batching decisions', async (t) => {
    const clock = new ManualClock();
    const { app, lines } = await appAt(t, 'debug', clock);
    const id = await lifecycle(app, clock);
    const debug = lines.filter((line) => line.level === DEBUG);
    const find = (msg: string) => debug.filter((line) => line.msg === msg);
    assert.deepEqual(
      find('session created').map((line) => [line.session, line.model, line.ttlSeconds]).slice(0, 1),
      [[id, 'kjv-char-gru', 60]],
    );
    assert.deepEqual(find('session reset').map((line) => [line.session, line.model]), [[id, 'kjv-char-gru']]);
    assert.deepEqual(find('session deleted').map((line) => line.session), [id]);
    assert.deepEqual(find('session expired').map((line) => line.model), ['kjv-char-gru']);
    const flushes = find('batch flushed');
    assert.ok(flushes.length > 0, 'flushes are logged');
    assert.ok(flushes.some((line) => line.sessions === 4 && Number(line.requeued) > 0), JSON.stringify(flushes.slice(0, 3)));
    for (const line of flushes) {
      assert.equal(line.model, 'kjv-char-gru');
      assert.equal(typeof line.elements, 'number');
      assert.equal(typeof line.waiting, 'number');
    }
    assert.ok(!JSON.stringify(debug).includes('In the'), 'no input is logged');
  });

  it('at info none of these lines is written', async (t) => {
    const clock = new ManualClock();
    const { app, lines } = await appAt(t, 'info', clock);
    await lifecycle(app, clock);
    assert.deepEqual(lines.filter((line) => line.level <= DEBUG), []);
  });
});

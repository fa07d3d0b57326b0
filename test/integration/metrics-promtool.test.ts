// Issue 9, finding 11: `curl /metrics | promtool check metrics` is clean, after traffic that
// gives every metric of the service its samples. promtool runs when it is on PATH (CI installs
// it: .ci/run sets REQUIRE_PROMTOOL=1, so there its absence fails instead of being skipped);
// the same rules in JavaScript (helpers/metrics-lint.ts) run always, so a clone without extras
// checks them too.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { buildTestApp } from '../helpers/app.js';
import { lintMetrics } from '../helpers/metrics-lint.js';
import { writeRandomPackage } from '../helpers/model-files.js';

const modelsDir = mkdtempSync(join(tmpdir(), 'rnn-serve-metrics-'));
after(() => rmSync(modelsDir, { recursive: true, force: true }));
writeRandomPackage(modelsDir, 'gru', { architecture: 'gru', input_size: 3, hidden_size: 4, output_size: 2 }, 1);

const app = await buildTestApp({ MODELS_DIR: modelsDir });
after(() => app.close());

// Traffic for every metric family: predictions, a session with steps, a refusal, a 404.
await app.inject({ method: 'POST', url: '/v1/models/gru/predict', payload: { inputs: [[0.1, 0.2, 0.3]] } });
const { session_id: sessionId } = (await app.inject({ method: 'POST', url: '/v1/sessions', payload: { model: 'gru' } })).json<{ session_id: string }>();
await app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/steps`, payload: { inputs: [[0.1, 0.2, 0.3]] } });
await app.inject({ method: 'POST', url: `/v1/sessions/${sessionId}/steps`, payload: { inputs: [[1, 2]] } });
await app.inject('/no-such-route');
const metrics = (await app.inject('/metrics')).body;

it('/metrics has the service metrics and the Node.js defaults', () => {
  for (const name of ['rnn_steps_total', 'http_request_duration_seconds_bucket', 'process_cpu_seconds_total', 'nodejs_active_handles']) {
    assert.ok(metrics.includes(`\n${name}`), `${name} is missing`);
  }
});

it('passes promlint\'s rules (checked in JavaScript)', () => {
  assert.deepEqual(lintMetrics(metrics), []);
});

it('the JavaScript rules catch what promtool catches', () => {
  assert.deepEqual(lintMetrics('# HELP nodejs_active_handles_total Total handles.\n# TYPE nodejs_active_handles_total gauge\nnodejs_active_handles_total 3\n'), [
    'nodejs_active_handles_total: non-counter metrics should not have "_total" suffix',
  ]);
  assert.deepEqual(lintMetrics('# HELP x_requests Requests.\n# TYPE x_requests counter\nx_requests 1\n'), ['x_requests: counter metrics should have "_total" suffix']);
  assert.deepEqual(lintMetrics('# TYPE x_latency_milliseconds gauge\nx_latency_milliseconds 1\n'), [
    'x_latency_milliseconds: no help text',
    'x_latency_milliseconds: use base unit "seconds" instead of "milliseconds"',
  ]);
});

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.error === undefined && promtool.status === 0;

it('passes `promtool check metrics`', () => {
  if (!hasPromtool) {
    // In CI promtool must be there; elsewhere the JavaScript rules above stand in for it.
    assert.notEqual(process.env.REQUIRE_PROMTOOL, '1', 'REQUIRE_PROMTOOL=1 but promtool is not on PATH (.ci/run installs it: apt-get install prometheus)');
    return;
  }
  const result = spawnSync('promtool', ['check', 'metrics'], { input: metrics, encoding: 'utf8' });
  assert.equal(`${result.stdout}${result.stderr}`.trim(), '');
  assert.equal(result.status, 0);
});

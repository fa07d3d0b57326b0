// Writes deploy/grafana/rnn-serve.json, the Grafana dashboard of rnn-serve's /metrics:
// `npx tsx scripts/write-dashboard.ts`. Panels are listed here, in rows, so the JSON (which
// Grafana wants verbose) is never edited by hand; test/redis/dashboards-metrics.test.ts checks that the
// file is what this script writes and that every metric it names exists in /metrics.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DATASOURCE = { type: 'prometheus', uid: 'prometheus' };
const RATE = '$__rate_interval';

interface Panel {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly targets: ReadonlyArray<{ expr: string; legend: string }>;
  readonly kind?: 'timeseries' | 'stat';
}

const rows: ReadonlyArray<{ title: string; panels: readonly Panel[] }> = [
  {
    title: 'Health',
    panels: [
      { kind: 'stat', title: 'Ready replicas', unit: 'none', description: 'rnn_ready: 1 when /readyz answers 200 (models loaded, session store answering, not draining)', targets: [{ expr: 'sum(rnn_ready)', legend: 'ready' }] },
      { kind: 'stat', title: 'Models loaded', unit: 'none', description: 'Models with a version loaded and ready, per replica', targets: [{ expr: 'max(rnn_models_loaded)', legend: 'models' }] },
      { kind: 'stat', title: 'Session store up', unit: 'none', description: 'min over replicas of rnn_session_store_up (0: Redis does not answer one of them)', targets: [{ expr: 'min(rnn_session_store_up)', legend: 'store' }] },
      { title: 'Event-loop lag p99', unit: 's', description: 'Node.js event-loop lag: high values delay every step and stream reply', targets: [{ expr: 'max by (instance) (nodejs_eventloop_lag_p99_seconds)', legend: '{{instance}}' }] },
    ],
  },
  {
    title: 'Model versions',
    panels: [
      { title: 'Versions loaded', unit: 'none', description: 'rnn_model_version_loaded: replicas that have each model version loaded (retired versions, which serve only their sessions, included)', targets: [{ expr: 'sum by (model, version) (rnn_model_version_loaded)', legend: '{{model}} v{{version}}' }] },
      { title: 'Load failures', unit: 'none', description: 'Model package loads that failed (the working version kept serving), by model', targets: [{ expr: `sum by (model) (increase(rnn_model_load_failures_total[${RATE}]))`, legend: '{{model}}' }] },
      { title: 'Load duration p99', unit: 's', description: 'p99 of rnn_model_load_duration_seconds: reading a package to a ready network', targets: [{ expr: `histogram_quantile(0.99, sum by (le, model) (rate(rnn_model_load_duration_seconds_bucket[${RATE}])))`, legend: '{{model}}' }] },
    ],
  },
  {
    title: 'HTTP',
    panels: [
      { title: 'Request rate per route', unit: 'reqps', description: 'Requests per second by route pattern', targets: [{ expr: `sum by (route) (rate(http_request_duration_seconds_count[${RATE}]))`, legend: '{{route}}' }] },
      { title: 'Latency p99 per route', unit: 's', description: 'p99 of http_request_duration_seconds by route pattern', targets: [{ expr: `histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket[${RATE}])))`, legend: '{{route}}' }] },
      { title: 'Latency p50 per route', unit: 's', description: 'Median of http_request_duration_seconds by route pattern', targets: [{ expr: `histogram_quantile(0.5, sum by (le, route) (rate(http_request_duration_seconds_bucket[${RATE}])))`, legend: '{{route}}' }] },
      { title: 'Responses by status', unit: 'reqps', description: 'Requests per second by status code (4xx are client mistakes, 5xx are ours)', targets: [{ expr: `sum by (status_code) (rate(http_request_duration_seconds_count[${RATE}]))`, legend: '{{status_code}}' }] },
    ],
  },
  {
    title: 'Engine and batching',
    panels: [
      { title: 'Steps/s per model and transport', unit: 'ops', description: 'Sequence elements processed per second (predict, session, stream)', targets: [{ expr: `sum by (model, transport) (rate(rnn_steps_total[${RATE}]))`, legend: '{{model}} {{transport}}' }] },
      { title: 'Engine call latency p99', unit: 's', description: 'p99 of rnn_step_duration_seconds: one whole sequence or one batched step', targets: [{ expr: `histogram_quantile(0.99, sum by (le, model) (rate(rnn_step_duration_seconds_bucket[${RATE}])))`, legend: '{{model}}' }] },
      {
        title: 'Batch size',
        unit: 'none',
        description: 'Sessions advanced together by one batched engine run: mean and p99',
        targets: [
          { expr: `sum by (model) (rate(rnn_batch_size_sum[${RATE}])) / sum by (model) (rate(rnn_batch_size_count[${RATE}]))`, legend: '{{model}} mean' },
          { expr: `histogram_quantile(0.99, sum by (le, model) (rate(rnn_batch_size_bucket[${RATE}])))`, legend: '{{model}} p99' },
        ],
      },
      { title: 'Queue time p99', unit: 's', description: 'p99 of rnn_batch_queue_seconds: how long a step waited for its batch', targets: [{ expr: `histogram_quantile(0.99, sum by (le, model) (rate(rnn_batch_queue_seconds_bucket[${RATE}])))`, legend: '{{model}}' }] },
    ],
  },
  {
    title: 'Sessions and streams',
    panels: [
      { title: 'Sessions active', unit: 'none', description: 'Read from the session store: the deployment-wide count with Redis (max over replicas, not sum)', targets: [{ expr: 'max by (model) (rnn_sessions_active)', legend: '{{model}}' }, { expr: 'max(rnn_max_sessions)', legend: 'MAX_SESSIONS' }] },
      {
        title: 'Sessions created and expired',
        unit: 'ops',
        description: 'Each event is counted once, on one replica: summed',
        targets: [
          { expr: `sum by (model) (rate(rnn_sessions_created_total[${RATE}]))`, legend: '{{model}} created' },
          { expr: `sum by (model) (rate(rnn_sessions_expired_total[${RATE}]))`, legend: '{{model}} expired' },
        ],
      },
      { title: 'WebSocket connections', unit: 'none', description: 'Open stream connections per replica', targets: [{ expr: 'sum by (instance) (rnn_websocket_connections)', legend: '{{instance}}' }] },
      { title: 'Store errors', unit: 'reqps', description: 'Requests answered 503 STORE_UNAVAILABLE, by route', targets: [{ expr: `sum by (route) (rate(rnn_store_errors_total[${RATE}]))`, legend: '{{route}}' }] },
    ],
  },
];

function buildDashboard(): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of rows) {
    panels.push({ id: id++, type: 'row', title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    const width = 24 / row.panels.length;
    row.panels.forEach((panel, i) => {
      panels.push({
        id: id++,
        type: panel.kind ?? 'timeseries',
        title: panel.title,
        description: panel.description,
        datasource: DATASOURCE,
        gridPos: { h: 8, w: width, x: i * width, y },
        fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
        options: panel.kind === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'value' } : { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
        targets: panel.targets.map((target, k) => ({ refId: String.fromCharCode(65 + k), datasource: DATASOURCE, expr: target.expr, legendFormat: target.legend })),
      });
    });
    y += 8;
  }
  return {
    uid: 'rnn-serve',
    title: 'rnn-serve',
    description: "rnn-serve's /metrics: traffic, engine, batching, sessions, streams, session store",
    tags: ['rnn-serve'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}

export const DASHBOARD_PATH = fileURLToPath(new URL('../deploy/grafana/rnn-serve.json', import.meta.url));

export function dashboardJson(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DASHBOARD_PATH, dashboardJson());
  console.log(`wrote ${DASHBOARD_PATH}`);
}

// The Prometheus metrics of one app instance, on a registry the app owns (never prom-client's
// global one, so several apps in one test process do not collide). Names and labels are the
// ones api.md promises to dashboards; labels never carry session ids (bounded cardinality).
//
// The series written per step or per request (steps, step and queue times, batch sizes, HTTP
// durations) are fast series (see metric-series/): same names, help, types and labels, without
// prom-client's label hashing on every observation.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, FastHistogram } from './metric-series/index.js';

/** rnn_steps_total's transport label: /v1 predict, sessions and streams; the Open Inference Protocol's REST (/v2) and gRPC. */
export type Transport = 'predict' | 'session' | 'stream' | 'v2' | 'grpc';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly httpRequestDuration: FastHistogram<'method' | 'route' | 'status_code'>;
  /** The gRPC twin of http_request_duration_seconds (one sample per ModelStreamInfer request). */
  readonly grpcRequestDuration: FastHistogram<'method' | 'code'>;
  readonly stepsTotal: FastCounter<'model' | 'transport'>;
  readonly stepDuration: FastHistogram<'model'>;
  readonly sessionsActive: Gauge<'model'>;
  readonly sessionsCreated: Counter<'model'>;
  readonly sessionsExpired: Counter<'model'>;
  readonly websocketConnections: Gauge;
  readonly modelsLoaded: Gauge;
  /** 1 per model version loaded (retired versions, which serve only their sessions, included). */
  readonly modelVersionLoaded: Gauge<'model' | 'version'>;
  readonly modelLoadFailures: Counter<'model'>;
  readonly modelLoadDuration: Histogram<'model'>;
  readonly engineInfo: Gauge<'engine' | 'isa'>;
  readonly batchSize: FastHistogram<'model'>;
  readonly queueSeconds: FastHistogram<'model'>;
  readonly storeRoundTrips: Counter;
  /** 1 when /readyz would answer 200 (read at each scrape), for alerts and dashboards. */
  readonly ready: Gauge;
  /** 1 when the session store answers a ping (read at each scrape). */
  readonly sessionStoreUp: Gauge;
  /** MAX_SESSIONS, so a rule can compare rnn_sessions_active with it. */
  readonly maxSessions: Gauge;
  /** Requests answered 503 STORE_UNAVAILABLE, by route pattern. */
  readonly storeErrors: Counter<'route'>;
}

/**
 * prom-client's default gauges that break Prometheus' naming rules (`promtool check metrics`:
 * "non-counter metrics should not have _total suffix"). Each is the sum of a labelled gauge that
 * stays (nodejs_active_handles{type} ...), so `sum(nodejs_active_handles)` gives the same number.
 */
const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function createMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_METRICS) registry.removeSingleMetric(name);
  return {
    registry,
    httpRequestDuration: new FastHistogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    grpcRequestDuration: new FastHistogram({
      name: 'grpc_request_duration_seconds',
      help: 'gRPC request duration by method and status code (each request of a stream once)',
      labelNames: ['method', 'code'] as const,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    stepsTotal: new FastCounter({
      name: 'rnn_steps_total',
      help: 'Sequence elements processed, by model and transport',
      labelNames: ['model', 'transport'] as const,
      registers: [registry],
    }),
    stepDuration: new FastHistogram({
      name: 'rnn_step_duration_seconds',
      help: 'Engine time of one call (a whole sequence, or one batched step), by model',
      labelNames: ['model'] as const,
      buckets: [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    sessionsActive: new Gauge({
      name: 'rnn_sessions_active',
      help: 'Sessions currently held by the session store, by model',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
    sessionsCreated: new Counter({
      name: 'rnn_sessions_created_total',
      help: 'Sessions created, by model',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
    sessionsExpired: new Counter({
      name: 'rnn_sessions_expired_total',
      help: 'Sessions removed after their idle TTL, by model',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
    websocketConnections: new Gauge({
      name: 'rnn_websocket_connections',
      help: 'Open WebSocket stream connections',
      registers: [registry],
    }),
    modelsLoaded: new Gauge({
      name: 'rnn_models_loaded',
      help: 'Models with at least one version loaded and ready',
      registers: [registry],
    }),
    modelVersionLoaded: new Gauge({
      name: 'rnn_model_version_loaded',
      help: 'Model versions loaded (1 each), by model and version; retired versions that only serve their sessions included',
      labelNames: ['model', 'version'] as const,
      registers: [registry],
    }),
    modelLoadFailures: new Counter({
      name: 'rnn_model_load_failures_total',
      help: 'Model package loads that failed (the version it would have replaced kept serving), by model',
      labelNames: ['model'] as const,
      registers: [registry],
    }),
    modelLoadDuration: new Histogram({
      name: 'rnn_model_load_duration_seconds',
      help: 'Time to read a model package and build its network (or find it broken), by model',
      labelNames: ['model'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    engineInfo: new Gauge({
      name: 'rnn_engine_info',
      help: 'Engine (native, wasm) and instruction set (avx512, avx2, neon, baseline, simd128) running the loaded models; value 1',
      labelNames: ['engine', 'isa'] as const,
      registers: [registry],
    }),
    batchSize: new FastHistogram({
      name: 'rnn_batch_size',
      help: 'Sessions advanced together by one batched engine run, by model',
      labelNames: ['model'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers: [registry],
    }),
    queueSeconds: new FastHistogram({
      name: 'rnn_batch_queue_seconds',
      help: 'Time a session step waited in the batching queue before the engine ran it, by model',
      labelNames: ['model'] as const,
      buckets: [0.00001, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1],
      registers: [registry],
    }),
    storeRoundTrips: new Counter({
      name: 'rnn_session_store_round_trips_total',
      help: 'Round trips to the session store (a pipeline of commands counts once); 0 with the in-memory store',
      registers: [registry],
    }),
    ready: new Gauge({
      name: 'rnn_ready',
      help: '1 when the instance is ready to serve (what GET /readyz answers with 200), else 0',
      registers: [registry],
    }),
    sessionStoreUp: new Gauge({
      name: 'rnn_session_store_up',
      help: '1 when the session store answered a ping at this scrape, else 0',
      registers: [registry],
    }),
    maxSessions: new Gauge({
      name: 'rnn_max_sessions',
      help: 'The configured MAX_SESSIONS: beyond it new sessions are refused with 429',
      registers: [registry],
    }),
    storeErrors: new Counter({
      name: 'rnn_store_errors_total',
      help: 'HTTP requests (stream upgrades included) answered 503 STORE_UNAVAILABLE, by route pattern',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
  };
}

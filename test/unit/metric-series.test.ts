// Fast series against prom-client: the same random values go through a FastHistogram or
// FastCounter on one registry and through a plain prom-client Histogram or Counter with the same
// definition on another; the exposition text and get() must be the same, through several scrapes
// (no double counting after a flush) and resets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { seededRandom } from '../../src/engine/random-weights.js';
import { createMetrics } from '../../src/metrics.js';
import { FastCounter, FastHistogram } from '../../src/metric-series/index.js';

type HttpLabel = 'method' | 'route' | 'status_code';
const HTTP_LABELS = ['method', 'route', 'status_code'] as const;
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const LABEL_SETS: Partial<Record<HttpLabel, string | number>>[] = [
  { method: 'POST', route: '/v1/sessions/:id/steps', status_code: '200' },
  // Keys in another order than labelNames: both show them in this object's order.
  { status_code: '404', route: '/v1/models/:name', method: 'GET' },
  { method: 'GET', route: '/metrics', status_code: '200' },
  // A label left out, and a number as a value.
  { method: 'DELETE', status_code: 204 },
  // Escaping in the text format.
  { method: 'GET', route: 'a "quoted"\\route\nline', status_code: '500' },
];

function twins() {
  const fastRegistry = new Registry();
  const plainRegistry = new Registry();
  const definition = { name: 'http_request_duration_seconds', help: 'HTTP request duration by method, route pattern and status code' };
  const fast = new FastHistogram<HttpLabel>({ ...definition, labelNames: HTTP_LABELS, buckets: BUCKETS, registers: [fastRegistry] });
  const plain = new Histogram<HttpLabel>({ ...definition, labelNames: HTTP_LABELS, buckets: BUCKETS, registers: [plainRegistry] });
  return { fastRegistry, plainRegistry, fast, plain };
}

/** Values on every bound, between them, below the first, above the last (the +Inf bucket only), 0 and negative. */
function randomValue(random: () => number): number {
  const pick = random();
  if (pick < 0.3) return BUCKETS[Math.floor(random() * BUCKETS.length)]!;
  if (pick < 0.4) return 5 + random() * 100;
  if (pick < 0.45) return 0;
  if (pick < 0.5) return -random();
  return random() * random() * 3;
}

async function assertSameHistograms(t: ReturnType<typeof twins>, message: string): Promise<void> {
  const fastText = await t.fastRegistry.metrics();
  assert.equal(fastText, await t.plainRegistry.metrics(), message);
  assert.deepEqual(await t.fast.get(), await t.plain.get(), `${message}: get()`);
  assert.deepEqual(await t.fastRegistry.getMetricsAsJSON(), await t.plainRegistry.getMetricsAsJSON(), `${message}: getMetricsAsJSON()`);
}

describe('FastHistogram', () => {
  it('exposes what prom-client would, through scrapes and resets, series in the order first observed', async () => {
    const t = twins();
    const series = LABEL_SETS.map((labels) => t.fast.series(labels));
    const random = seededRandom(7);
    const feed = (count: number, labelSets: number) => {
      for (let i = 0; i < count; i++) {
        const which = Math.floor(random() * labelSets);
        const value = randomValue(random);
        series[which]!.observe(value);
        t.plain.observe(LABEL_SETS[which]!, value);
      }
    };
    await assertSameHistograms(t, 'before any observation: nothing');
    // The last label set bound first is observed last: export order follows observation.
    series[4]!.observe(0.3);
    t.plain.observe(LABEL_SETS[4]!, 0.3);
    feed(500, 3);
    const first = await t.fastRegistry.metrics();
    assert.match(first, /http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/v1\/sessions\/:id\/steps",status_code="200"\} \d+/);
    await assertSameHistograms(t, 'after 500 values');
    assert.equal(await t.fastRegistry.metrics(), first, 'a second scrape with nothing new gives the same text');
    feed(500, LABEL_SETS.length);
    await assertSameHistograms(t, 'after 500 more, on every label set');

    t.fastRegistry.resetMetrics();
    t.plainRegistry.resetMetrics();
    await assertSameHistograms(t, 'after a reset: nothing');
    feed(300, LABEL_SETS.length);
    await assertSameHistograms(t, 'after a reset and 300 values (the series bound before still count)');
    t.fast.reset();
    t.plain.reset();
    await assertSameHistograms(t, 'after the metric reset itself');
  });

  it('shares one series per label set, however its values are spelled', () => {
    const { fast } = twins();
    const a = fast.series({ method: 'GET', route: '/x', status_code: 200 });
    assert.equal(fast.series({ status_code: '200', route: '/x', method: 'GET' }), a);
    assert.notEqual(fast.series({ method: 'GET', route: '/x' }), a, 'a missing label is a label set of its own');
    assert.notEqual(fast.series({ method: 'GET', route: '/x', status_code: 'null' }), fast.series({ method: 'GET', route: '/x' }));
  });

  it('shows an unlabelled histogram zero from the start, as prom-client does, and not after a reset', async () => {
    const fastRegistry = new Registry();
    const plainRegistry = new Registry();
    const definition = { name: 'rnn_batch_size', help: 'Sessions per engine run', buckets: [1, 2, 4, 8] };
    const fast = new FastHistogram({ ...definition, registers: [fastRegistry] });
    new Histogram({ ...definition, registers: [plainRegistry] });
    assert.equal(await fastRegistry.metrics(), await plainRegistry.metrics());
    assert.match(await fastRegistry.metrics(), /^rnn_batch_size_count 0$/m);
    fastRegistry.resetMetrics();
    plainRegistry.resetMetrics();
    assert.equal(await fastRegistry.metrics(), await plainRegistry.metrics());
    assert.doesNotMatch(await fastRegistry.metrics(), /rnn_batch_size_count/);
    fast.series({}).observe(3);
    (plainRegistry.getSingleMetric('rnn_batch_size') as Histogram).observe(3);
    assert.equal(await fastRegistry.metrics(), await plainRegistry.metrics());
  });

  it('refuses what prom-client refuses: values that are not finite numbers, labels not declared, le as a label', async () => {
    const t = twins();
    const series = t.fast.series(LABEL_SETS[0]!);
    for (const value of [Infinity, -Infinity, NaN]) {
      assert.throws(() => series.observe(value), TypeError);
      assert.throws(() => t.plain.observe(LABEL_SETS[0]!, value), TypeError);
    }
    await assertSameHistograms(t, 'a refused value leaves nothing');
    assert.throws(() => t.fast.series({ model: 'gru' } as never), /not included in initial labelset/);
    assert.throws(() => new FastHistogram({ name: 'x', help: 'x', labelNames: ['le'], buckets: [1], registers: [] }), /le is a reserved/);
    assert.throws(() => new FastHistogram({ name: 'x', help: 'x', buckets: [1, 1], registers: [] }), /buckets must increase/);
    assert.throws(
      () => new FastHistogram({ name: 'http_request_duration_seconds', help: 'x', buckets: [1], registers: [t.fastRegistry] }),
      /already been registered/,
      'the Registry refuses a second metric of the same name, as it would a prom-client one',
    );
  });
});

type StepLabel = 'model' | 'transport';
const STEP_LABEL_SETS: Partial<Record<StepLabel, string>>[] = [
  { model: 'lstm', transport: 'stream' },
  { transport: 'predict', model: 'gru' },
  { model: 'gru', transport: 'session' },
  { model: 'lstm', transport: 'grpc' },
];

function counterTwins() {
  const fastRegistry = new Registry();
  const plainRegistry = new Registry();
  const definition = { name: 'rnn_steps_total', help: 'Sequence elements processed, by model and transport', labelNames: ['model', 'transport'] as const };
  const fast = new FastCounter<StepLabel>({ ...definition, registers: [fastRegistry] });
  const plain = new Counter<StepLabel>({ ...definition, registers: [plainRegistry] });
  return { fastRegistry, plainRegistry, fast, plain };
}

async function assertSameCounters(t: ReturnType<typeof counterTwins>, message: string): Promise<void> {
  assert.equal(await t.fastRegistry.metrics(), await t.plainRegistry.metrics(), message);
  assert.deepEqual(await t.fast.get(), await t.plain.get(), `${message}: get()`);
}

describe('FastCounter', () => {
  it('exposes what prom-client would, flushing each increment once, through scrapes and resets', async () => {
    const t = counterTwins();
    const series = STEP_LABEL_SETS.map((labels) => t.fast.series(labels));
    const random = seededRandom(11);
    // Integer amounts, as rnn_steps_total's are: a flush adds the sum of the increments at once,
    // which for fractions could round differently from adding them one by one.
    const feed = (count: number, labelSets: number) => {
      for (let i = 0; i < count; i++) {
        const which = Math.floor(random() * labelSets);
        const pick = random();
        if (pick < 0.2) {
          series[which]!.inc();
          t.plain.inc(STEP_LABEL_SETS[which]!);
        } else {
          const amount = pick < 0.3 ? 0 : Math.floor(random() * 1000);
          series[which]!.inc(amount);
          t.plain.inc(STEP_LABEL_SETS[which]!, amount);
        }
      }
    };
    await assertSameCounters(t, 'before any increment: nothing');
    series[3]!.inc(0);
    t.plain.inc(STEP_LABEL_SETS[3]!, 0);
    feed(400, 2);
    await assertSameCounters(t, 'after 400 increments');
    await assertSameCounters(t, 'scraped again with nothing new: not counted twice');
    feed(400, STEP_LABEL_SETS.length);
    await assertSameCounters(t, 'after 400 more, on every label set');
    assert.match(await t.fastRegistry.metrics(), /^rnn_steps_total\{transport="predict",model="gru"\} \d+$/m);

    // Increments not flushed yet go with the reset, as prom-client's own do.
    feed(50, STEP_LABEL_SETS.length);
    t.fastRegistry.resetMetrics();
    t.plainRegistry.resetMetrics();
    await assertSameCounters(t, 'after a reset: nothing');
    feed(200, STEP_LABEL_SETS.length);
    await assertSameCounters(t, 'after a reset and 200 increments (the series bound before still count)');
  });

  it('adds to what the plain Counter API counts, and keeps its collect callback', async () => {
    const registry = new Registry();
    let collected = 0;
    const counter = new FastCounter<'model'>({
      name: 'c_total',
      help: 'c',
      labelNames: ['model'],
      registers: [registry],
      collect() {
        collected++;
      },
    });
    counter.series({ model: 'a' }).inc(2);
    counter.inc({ model: 'a' }, 3);
    counter.labels({ model: 'a' }).inc();
    assert.match(await registry.metrics(), /^c_total\{model="a"\} 6$/m);
    assert.equal(collected, 1);
  });

  it('works without labels, shown zero from the start as prom-client shows it', async () => {
    const fastRegistry = new Registry();
    const plainRegistry = new Registry();
    const fast = new FastCounter({ name: 'rnn_session_store_round_trips_total', help: 'Round trips', registers: [fastRegistry] });
    const plain = new Counter({ name: 'rnn_session_store_round_trips_total', help: 'Round trips', registers: [plainRegistry] });
    assert.equal(await fastRegistry.metrics(), await plainRegistry.metrics());
    fast.series({}).inc(4);
    plain.inc(4);
    assert.equal(await fastRegistry.metrics(), await plainRegistry.metrics());
    fastRegistry.resetMetrics();
    plainRegistry.resetMetrics();
    assert.equal(await fastRegistry.metrics(), await plainRegistry.metrics());
    assert.match(await fastRegistry.metrics(), /^rnn_session_store_round_trips_total 0$/m);
  });

  it('refuses at inc() what prom-client refuses, so a scrape never meets a bad value', async () => {
    const t = counterTwins();
    const series = t.fast.series(STEP_LABEL_SETS[0]!);
    assert.throws(() => series.inc(-1), /not possible to decrease/);
    assert.throws(() => t.plain.inc(STEP_LABEL_SETS[0]!, -1), /not possible to decrease/);
    assert.throws(() => series.inc(Infinity), TypeError);
    assert.throws(() => t.plain.inc(STEP_LABEL_SETS[0]!, Infinity), TypeError);
    await assertSameCounters(t, 'a refused increment leaves nothing');
    assert.throws(() => t.fast.series({ route: '/x' } as never), /not included in initial labelset/);
  });
});

describe('createMetrics', () => {
  it('keeps the names, help, types and labels of the metrics that became fast series', async () => {
    const metrics = createMetrics();
    metrics.stepsTotal.series({ model: 'gru', transport: 'stream' }).inc(3);
    metrics.stepDuration.series({ model: 'gru' }).observe(0.00002);
    metrics.batchSize.series({ model: 'gru' }).observe(4);
    metrics.queueSeconds.series({ model: 'gru' }).observe(0.0001);
    metrics.httpRequestDuration.series({ method: 'GET', route: '/healthz', status_code: '200' }).observe(0.0007);
    const text = await metrics.registry.metrics();
    for (const line of [
      '# HELP rnn_steps_total Sequence elements processed, by model and transport',
      '# TYPE rnn_steps_total counter',
      'rnn_steps_total{model="gru",transport="stream"} 3',
      '# HELP rnn_step_duration_seconds Engine time of one call (a whole sequence, or one batched step), by model',
      '# TYPE rnn_step_duration_seconds histogram',
      'rnn_step_duration_seconds_bucket{le="0.000025",model="gru"} 1',
      'rnn_step_duration_seconds_bucket{le="0.00001",model="gru"} 0',
      '# HELP rnn_batch_size Sessions advanced together by one batched engine run, by model',
      '# TYPE rnn_batch_size histogram',
      'rnn_batch_size_bucket{le="4",model="gru"} 1',
      'rnn_batch_size_sum{model="gru"} 4',
      '# HELP rnn_batch_queue_seconds Time a session step waited in the batching queue before the engine ran it, by model',
      '# TYPE rnn_batch_queue_seconds histogram',
      'rnn_batch_queue_seconds_count{model="gru"} 1',
      '# HELP http_request_duration_seconds HTTP request duration by method, route pattern and status code',
      '# TYPE http_request_duration_seconds histogram',
      'http_request_duration_seconds_bucket{le="0.001",method="GET",route="/healthz",status_code="200"} 1',
      'http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz",status_code="200"} 1',
    ]) {
      assert.ok(text.split('\n').includes(line), `missing: ${line}`);
    }
  });
});

// docker-compose.yml, deploy/haproxy/haproxy.cfg and deploy/prometheus.yml checked against the
// code they deploy, since no Docker engine runs here: two replicas share one Redis under one key
// prefix, the load balancer reaches both and hashes on the session id of the real session routes,
// Prometheus scrapes each replica, and every probed path answers on the app.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { CONFIG_DEFAULTS } from '../../src/config.js';
import { buildTestApp } from '../helpers/app.js';

/** One app on the PyTorch fixtures for every test that asks whether a path answers. */
let builtApp: FastifyInstance | undefined;
const theApp = async (): Promise<FastifyInstance> => (builtApp ??= await buildTestApp());
after(() => builtApp?.close());

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string): string => readFileSync(`${repoRoot}/${path}`, 'utf8');

type Environment = Record<string, string | number | boolean | null>;
interface ComposeService {
  build?: string | { context: string };
  image?: string;
  command?: string[];
  ports?: string[];
  expose?: string[];
  environment?: Environment;
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  stop_grace_period?: string;
  restart?: string;
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
const services = Object.entries(compose.services);
const replicas = services.filter(([, service]) => service.build !== undefined);
const replicaNames = replicas.map(([name]) => name);
const serviceNamed = (name: string): ComposeService => {
  const service = compose.services[name];
  assert.ok(service, `docker-compose.yml has a service ${name}`);
  return service;
};
const replicaPort = (service: ComposeService): string => String(service.environment?.PORT ?? CONFIG_DEFAULTS.PORT);

/** Host, port and path of every http://host:port/path URL in a text. */
function urlsIn(text: string): { host: string; port: string; path: string }[] {
  return [...text.matchAll(/https?:\/\/([\w.-]+):(\d+)(\/[\w/.-]*)/g)].map((m) => ({ host: m[1] ?? '', port: m[2] ?? '', path: m[3] ?? '' }));
}
const healthcheckText = (service: ComposeService): string => [service.healthcheck?.test ?? []].flat().join(' ');

/** Seconds of a duration written as compose ("15s", "1m30s") or HAProxy ("10s", "1h"; bare: ms) does. */
function seconds(duration: string): number {
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, '': 0.001 };
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|)/g)];
  assert.ok(parts.length > 0 && parts.map((p) => p[0]).join('') === duration, `"${duration}" is a duration`);
  return parts.reduce((sum, [, value, unit]) => sum + Number(value) * (units[unit ?? ''] ?? NaN), 0);
}

/** How long src/server.ts lets the server drain after SIGTERM before it exits. */
function serverCloseDelaySeconds(): number {
  const delay = /closeWithGrace\(\s*\{\s*delay:\s*([\d_]+)/.exec(read('src/server.ts'))?.[1];
  assert.ok(delay, 'src/server.ts calls closeWithGrace({ delay: <ms> })');
  return Number(delay.replaceAll('_', '')) / 1000;
}

/** haproxy.cfg as sections ("backend rnn_serve") of directive lines, comments dropped. */
function haproxySections(text: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of text.split('\n')) {
    const content = line.trim();
    if (content === '' || content.startsWith('#')) continue;
    if (/^\S/.test(line)) sections.set(content, (current = []));
    else current.push(content.replace(/\s+/g, ' '));
  }
  return sections;
}
const haproxy = haproxySections(read('deploy/haproxy/haproxy.cfg'));
const haproxySection = (name: string): string[] => {
  const section = haproxy.get(name);
  assert.ok(section, `haproxy.cfg has a section "${name}"`);
  return section;
};
const directive = (section: string[], keyword: string): string[] =>
  section.filter((line) => line === keyword || line.startsWith(`${keyword} `)).map((line) => line.slice(keyword.length).trim());
const backend = haproxySection('backend rnn_serve');
const defaults = haproxySection('defaults');

test('docker-compose.yml runs two replicas of one image built from this directory', () => {
  assert.ok(replicas.length >= 2, `replicas: ${replicaNames.join(', ')}`);
  for (const [name, service] of replicas) {
    assert.equal(service.build, '.', `${name} is built from the repository`);
    assert.equal(service.image, 'rnn-serve:local', `${name} tags the image the Kubernetes manifests run`);
    assert.equal(service.ports, undefined, `${name} is reached through the load balancer only`);
  }
});

test('every environment variable a replica gets is one the service reads, passed through under its own name', () => {
  for (const [name, service] of replicas) {
    const environment = Object.entries(service.environment ?? {});
    assert.ok(environment.length > 0, `${name} has an environment`);
    for (const [variable, value] of environment) {
      assert.ok(variable in CONFIG_DEFAULTS, `${name} sets ${variable}, which src/config.ts does not read`);
      // `X: ${X:-default}`: the interpolated name is the variable's own, and a written default is the service's.
      const interpolated = /^\$\{(\w+)(?::-(.*))?\}$/.exec(String(value));
      if (interpolated === null) continue;
      assert.equal(interpolated[1], variable, `${name}: ${variable} is read from \${${interpolated[1]}}`);
      const fallback = interpolated[2] ?? '';
      if (fallback !== '') assert.equal(fallback, CONFIG_DEFAULTS[variable as keyof typeof CONFIG_DEFAULTS], `${name}: default of ${variable}`);
    }
  }
});

test('the replicas share one Redis, under one key prefix, with identical settings', () => {
  const [[, first] = [], ...others] = replicas;
  assert.ok(first !== undefined);
  for (const [name, service] of others) assert.deepEqual(service.environment, first.environment, `${name} is configured like ${replicaNames[0]}`);

  const environment = first.environment ?? {};
  assert.equal(environment.SESSION_STORE, 'redis');
  assert.ok('REDIS_KEY_PREFIX' in environment, 'the key prefix is set for all replicas at once');
  const url = new URL(String(environment.REDIS_URL));
  assert.equal(url.protocol, 'redis:');
  const redis = serviceNamed(url.hostname);
  assert.match(redis.image ?? '', /^redis:/, `${url.hostname} runs the official Redis image`);
  assert.equal(url.port, '6379');
  for (const [name, service] of replicas) {
    assert.equal(service.depends_on?.[url.hostname]?.condition, 'service_healthy', `${name} waits for Redis to answer`);
  }
});

/** A one-shot service (never restarted) that others wait for to finish: it has nothing to check. */
const isOneShot = (name: string, service: ComposeService): boolean =>
  service.restart === 'no' && services.some(([, other]) => other.depends_on?.[name]?.condition === 'service_completed_successfully');

test('every long-running service has a healthcheck, and the replicas probe /readyz on their port', async () => {
  for (const [name, service] of services) assert.ok(isOneShot(name, service) || service.healthcheck?.test, `${name} has a healthcheck`);
  const app = await theApp();
  for (const [name, service] of replicas) {
    const urls = urlsIn(healthcheckText(service));
    assert.deepEqual(urls, [{ host: '127.0.0.1', port: replicaPort(service), path: '/readyz' }], name);
    assert.equal((await app.inject(urls[0]?.path ?? '')).statusCode, 200, `${name}: GET ${urls[0]?.path}`);
  }
});

test('a stopped replica gets more time than the server takes to drain', () => {
  const drain = serverCloseDelaySeconds();
  for (const [name, service] of replicas) {
    assert.ok(seconds(service.stop_grace_period ?? '10s') > drain, `${name}: stop_grace_period ${service.stop_grace_period} > ${drain} s`);
  }
});

test('Redis keeps sessions in memory only, and never evicts them', () => {
  const command = (serviceNamed('redis').command ?? []).join(' ');
  assert.match(command, /--save (''|"")?\s*--appendonly no/, 'no RDB snapshots, no append-only file');
  assert.match(command, /--maxmemory-policy noeviction/);
});

test('the load balancer is HAProxy on port 8080, configured from deploy/haproxy/haproxy.cfg', () => {
  const lb = serviceNamed('lb');
  assert.match(lb.image ?? '', /^haproxy:\d/);
  assert.ok(lb.volumes?.includes('./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro'), 'the config is mounted where the image reads it');
  assert.deepEqual(lb.ports, ['8080:8080']);
  assert.deepEqual(directive(haproxySection('frontend api'), 'bind'), [':8080']);
  assert.deepEqual(directive(haproxySection('frontend api'), 'default_backend'), ['rnn_serve']);
  for (const replica of replicaNames) assert.ok(lb.depends_on?.[replica], `lb starts after ${replica}`);
});

test('the load balancer routes to every replica on its port, and checks /readyz on each', async () => {
  const servers = directive(backend, 'server').map((line) => line.split(' ')[1]);
  assert.deepEqual(servers, replicas.map(([name, service]) => `${name}:${replicaPort(service)}`));
  assert.ok(directive(backend, 'default-server')[0]?.split(' ').includes('check'), 'servers are health-checked');
  assert.deepEqual(directive(backend, 'http-check send'), ['meth GET uri /readyz']);
  assert.deepEqual(directive(backend, 'http-check expect'), ['status 200']);
  const app = await theApp();
  assert.equal((await app.inject('/readyz')).statusCode, 200);
});

test('the load balancer hashes the session id of every session route, and nothing else', async () => {
  // `http-request set-var(txn.K) path,field(N,/) if { path_beg P }` then `balance hash var(txn.K)`.
  const setVar = directive(backend, 'http-request')
    .map((line) => /^set-var\(txn\.(\w+)\) path,field\((\d+),(.)\) if \{ path_beg (\S+) \}$/.exec(line))
    .find((match) => match !== null);
  assert.ok(setVar, 'the backend sets a variable from a field of the path, under a path prefix');
  const [, variable, field, separator, prefix] = setVar as unknown as [string, string, string, string, string];
  assert.deepEqual(directive(backend, 'balance'), [`hash var(txn.${variable})`]);
  assert.match(directive(backend, 'hash-type')[0] ?? '', /^consistent\b/);
  /** What HAProxy hashes for a path: undefined (round robin) when the rule does not apply. */
  const hashKey = (path: string): string | undefined => (path.startsWith(prefix) ? (path.split(separator)[Number(field) - 1] ?? '') : undefined);

  const app = await theApp();
  const paths = Object.keys((app as unknown as { swagger(): { paths: Record<string, unknown> } }).swagger().paths);
  assert.ok(app.hasRoute({ method: 'GET', url: '/v1/sessions/:id/stream' }), 'the session stream route exists');
  paths.push('/v1/sessions/{id}/stream');
  const id = '3f6b2a9e-8c1d-4e7f-9a2b-5c4d3e2f1a0b';
  const sessionRoutes = paths.filter((path) => path.includes('{id}'));
  assert.ok(sessionRoutes.length >= 5, `session routes: ${sessionRoutes.join(', ')}`);
  for (const path of sessionRoutes) assert.equal(hashKey(path.replace('{id}', id)), id, `${path} hashes on the session id`);
  for (const path of paths.filter((p) => !p.includes('{id}'))) {
    assert.equal(hashKey(path.replace(/\{\w+\}/g, 'x')), undefined, `${path} has no session: round robin`);
  }
});

test('WebSocket streams outlive the server ping interval, and plain requests get a bounded wait', () => {
  const timeout = (name: string): number => seconds(directive(defaults, `timeout ${name}`)[0] ?? '0');
  const pingSeconds = Number(CONFIG_DEFAULTS.STREAM_PING_INTERVAL_MS) / 1000;
  assert.ok(timeout('tunnel') >= 10 * pingSeconds, `timeout tunnel ${timeout('tunnel')} s spans many ${pingSeconds} s pings`);
  for (const name of ['connect', 'client', 'server', 'http-request']) {
    assert.ok(timeout(name) > 0 && timeout(name) <= 120, `timeout ${name} is set and at most two minutes`);
  }
  // Upgrades are plain HTTP/1.1 requests in HAProxy's HTTP mode: no tcp mode that would lose the path.
  assert.deepEqual(directive(defaults, 'mode'), ['http']);
});

test('a failed replica is left for the other, and only safe requests are replayed', () => {
  assert.ok(directive(backend, 'default-server')[0]?.includes('observe layer7'), 'passive checks on live traffic');
  assert.ok(Number(directive(backend, 'retries')[0]) >= 1);
  assert.ok(directive(backend, 'option redispatch').length === 1, 'retries go to the other replica');
  const retryOn = (directive(backend, 'retry-on')[0] ?? 'conn-failure').split(' ');
  assert.ok(retryOn.includes('conn-failure'));
  if (retryOn.some((condition) => !['none', 'conn-failure'].includes(condition))) {
    // A step whose answer was lost may have been applied: replaying it would apply it twice.
    assert.deepEqual(directive(backend, 'http-request disable-l7-retry'), ['unless METH_GET || METH_HEAD']);
  }
});

test('the load balancer logs paths without query strings, which may carry api_key', () => {
  const logFormat = directive(defaults, 'log-format')[0] ?? '';
  assert.notEqual(logFormat, '', 'a log-format replaces option httplog');
  assert.ok(!/%\{[^}]*\}r|%r\b|%HU\b|%HQ\b/.test(logFormat), `log-format ${logFormat} logs no query string`);
  assert.equal(directive(defaults, 'option httplog').length, 0);
});

test('the load balancer healthcheck hits HAProxy monitor-uri, which fails with no replica up', () => {
  const monitor = haproxySection('frontend monitor');
  const [url] = urlsIn(healthcheckText(serviceNamed('lb')));
  assert.ok(url);
  assert.deepEqual(directive(monitor, 'bind'), [`:${url.port}`]);
  assert.deepEqual(directive(monitor, 'monitor-uri'), [url.path]);
  assert.deepEqual(directive(monitor, 'monitor fail'), ['if { nbsrv(rnn_serve) lt 1 }']);
});

test('Prometheus scrapes /metrics of every replica directly, not through the load balancer', async () => {
  const prometheusService = serviceNamed('prometheus');
  assert.match(prometheusService.image ?? '', /^prom\/prometheus:/);
  const configPath = prometheusService.volumes?.find((v) => v.includes(':/etc/prometheus/prometheus.yml'))?.split(':')[0];
  assert.equal(configPath, './deploy/prometheus.yml');
  const prometheus = parse(read('deploy/prometheus.yml')) as {
    scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
  };
  const targets = prometheus.scrape_configs.flatMap((job) => job.static_configs.flatMap((c) => c.targets));
  assert.deepEqual(targets.sort(), replicas.map(([name, service]) => `${name}:${replicaPort(service)}`).sort());
  const app = await theApp();
  for (const job of prometheus.scrape_configs) {
    const path = job.metrics_path ?? '/metrics';
    assert.equal((await app.inject(path)).statusCode, 200, `${job.job_name}: GET ${path}`);
  }
});

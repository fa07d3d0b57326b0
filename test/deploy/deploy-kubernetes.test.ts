// deploy/kubernetes checked against the code it deploys, since no cluster runs here: every
// manifest parses and is listed in the kustomization, probes and the scrape path answer on the
// app, ports and variables are the ones the service uses, selectors pick the right pods, and
// the shutdown timings leave the server its drain time.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_DEFAULTS } from '../../src/config.js';
import { buildTestApp } from '../helpers/app.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const manifestsDir = 'deploy/kubernetes';
const read = (path: string): string => readFileSync(`${repoRoot}/${path}`, 'utf8');

let builtApp: FastifyInstance | undefined;
const theApp = async (): Promise<FastifyInstance> => (builtApp ??= await buildTestApp());
after(() => builtApp?.close());

type Labels = Record<string, string>;
interface HttpGetProbe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  args?: string[];
  startupProbe?: HttpGetProbe;
  livenessProbe?: HttpGetProbe;
  readinessProbe?: HttpGetProbe;
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
  file: string;
  spec?: {
    replicas?: number;
    selector?: { matchLabels?: Labels } & Labels;
    template?: { metadata: { labels: Labels; annotations?: Record<string, string> }; spec: PodSpec };
    minAvailable?: number | string;
    ports?: { name?: string; port: number; targetPort?: string | number }[];
  };
  data?: Record<string, string>;
}

const manifestFiles = readdirSync(`${repoRoot}/${manifestsDir}`).filter((file) => /\.ya?ml$/.test(file) && !file.startsWith('kustomization.'));
const manifests: Manifest[] = manifestFiles.flatMap((file) =>
  parseAllDocuments(read(`${manifestsDir}/${file}`)).map((document) => {
    assert.deepEqual(document.errors, [], `${file} parses`);
    return { ...(document.toJS() as Omit<Manifest, 'file'>), file };
  }),
);
const one = (kind: string, name: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind && m.metadata.name === name);
  assert.equal(found.length, 1, `one ${kind} ${name} in ${manifestsDir}`);
  return found[0] as Manifest;
};
const podSpec = (deployment: Manifest): PodSpec => {
  const spec = deployment.spec?.template?.spec;
  assert.ok(spec, `${deployment.metadata.name} has a pod template`);
  return spec;
};
const podLabels = (deployment: Manifest): Labels => deployment.spec?.template?.metadata.labels ?? {};
const selects = (selector: Labels, labels: Labels): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);

const server = one('Deployment', 'rnn-serve');
const serverContainer = podSpec(server).containers.find((c) => c.name === 'rnn-serve') as Container;
const config = one('ConfigMap', 'rnn-serve-config');
const redis = one('Deployment', 'rnn-serve-redis');
/** What the server container's environment sets, from the ConfigMap and env entries. */
const serverEnvironment = new Map<string, string | undefined>([
  ...(serverContainer.envFrom ?? []).flatMap((source) => {
    assert.equal(source.configMapRef?.name, config.metadata.name, 'envFrom names the ConfigMap of this kustomization');
    return Object.entries(config.data ?? {});
  }),
  ...(serverContainer.env ?? []).map((entry) => [entry.name, entry.value] as [string, string | undefined]),
]);
const listenPort = Number(serverEnvironment.get('PORT') ?? CONFIG_DEFAULTS.PORT);
/** A port given by name or number, as the container port number. */
const containerPort = (container: Container, port: string | number | undefined): number | undefined =>
  typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;

test('every manifest has apiVersion, kind and name, and the kustomization lists exactly them', () => {
  assert.ok(manifests.length >= 6);
  for (const manifest of manifests) {
    assert.ok(manifest.apiVersion && manifest.kind && manifest.metadata.name, `${manifest.file}: ${manifest.kind} ${manifest.metadata.name}`);
  }
  const kustomization = parse(read(`${manifestsDir}/kustomization.yaml`)) as { kind: string; resources: string[] };
  assert.equal(kustomization.kind, 'Kustomization');
  assert.deepEqual([...kustomization.resources].sort(), [...manifestFiles].sort());
});

test('the server runs two or more replicas of the image docker-compose.yml builds', () => {
  assert.ok((server.spec?.replicas ?? 1) >= 2);
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { build?: unknown; image?: string }> };
  const built = Object.values(compose.services).filter((service) => service.build !== undefined).map((service) => service.image);
  assert.ok(built.length > 0);
  for (const image of built) assert.equal(serverContainer.image, image);
});

test('every variable the server gets is one the service reads; API_KEYS comes from a Secret', () => {
  assert.ok(serverEnvironment.size > 0);
  for (const name of serverEnvironment.keys()) assert.ok(name in CONFIG_DEFAULTS, `the server gets ${name}, which src/config.ts does not read`);
  const apiKeys = serverContainer.env?.find((entry) => entry.name === 'API_KEYS');
  assert.equal(apiKeys?.valueFrom?.secretKeyRef?.key, 'API_KEYS');
  assert.equal(config.data?.API_KEYS, undefined, 'no API key in the ConfigMap');
});

test('the server stores sessions in the Redis of the kustomization', () => {
  assert.equal(serverEnvironment.get('SESSION_STORE'), 'redis');
  assert.ok(serverEnvironment.get('REDIS_KEY_PREFIX'), 'one key prefix for every replica');
  const url = new URL(serverEnvironment.get('REDIS_URL') ?? '');
  const service = one('Service', url.hostname);
  assert.ok(service.spec?.ports?.some((port) => String(port.port) === url.port), `${url.hostname} serves port ${url.port}`);
  assert.ok(selects(service.spec?.selector ?? {}, podLabels(redis)), `${url.hostname} selects the Redis pods`);
  const redisContainer = podSpec(redis).containers[0] as Container;
  assert.match(redisContainer.image, /^redis:/);
  assert.match((redisContainer.args ?? []).join(' '), /--maxmemory-policy noeviction/);
  assert.equal(redis.spec?.replicas, 1, 'one Redis: two would each hold their own sessions');
});

test('the container listens on PORT, and its probes hit routes that answer 200 there', async () => {
  assert.deepEqual(serverContainer.ports?.map((p) => p.containerPort), [listenPort]);
  const probes = { startup: serverContainer.startupProbe, liveness: serverContainer.livenessProbe, readiness: serverContainer.readinessProbe };
  assert.equal(probes.liveness?.httpGet?.path, '/healthz');
  assert.equal(probes.readiness?.httpGet?.path, '/readyz');
  const app = await theApp();
  for (const [kind, probe] of Object.entries(probes)) {
    const httpGet = probe?.httpGet;
    assert.ok(httpGet, `${kind} probe is an HTTP GET`);
    assert.equal(containerPort(serverContainer, httpGet.port), listenPort, `${kind} probe port`);
    assert.equal((await app.inject(httpGet.path)).statusCode, 200, `${kind} probe: GET ${httpGet.path}`);
  }
});

test('Prometheus annotations point at /metrics on the container port', async () => {
  const annotations = server.spec?.template?.metadata.annotations ?? {};
  assert.equal(annotations['prometheus.io/scrape'], 'true');
  assert.equal(Number(annotations['prometheus.io/port']), listenPort);
  const path = annotations['prometheus.io/path'] ?? '/metrics';
  assert.equal((await (await theApp()).inject(path)).statusCode, 200, `GET ${path}`);
});

test('the Service and the PodDisruptionBudget select the server pods only', () => {
  const service = one('Service', 'rnn-serve');
  const budget = one('PodDisruptionBudget', 'rnn-serve');
  assert.deepEqual(server.spec?.selector?.matchLabels, podLabels(server), 'the Deployment selects its own pods');
  for (const [what, selector] of [
    ['Service', service.spec?.selector ?? {}],
    ['PodDisruptionBudget', budget.spec?.selector?.matchLabels ?? {}],
  ] as const) {
    assert.ok(selects(selector, podLabels(server)), `the ${what} selects the server pods`);
    assert.ok(!selects(selector, podLabels(redis)), `the ${what} does not select the Redis pod`);
  }
  assert.equal(budget.spec?.minAvailable, 1);
  assert.ok((server.spec?.replicas ?? 1) > 1, 'a drain can evict one replica at a time');
  for (const port of service.spec?.ports ?? []) {
    assert.equal(containerPort(serverContainer, port.targetPort ?? port.port), listenPort, `Service port ${port.port} reaches the container`);
  }
});

test('the pods run as a numeric non-root user on a read-only root filesystem', () => {
  for (const deployment of [server, redis]) {
    const spec = podSpec(deployment);
    assert.equal(spec.securityContext?.runAsNonRoot, true, deployment.metadata.name);
    // The image names its user (USER node): the kubelet can only check runAsNonRoot with a uid.
    assert.ok(Number.isInteger(spec.securityContext?.runAsUser) && spec.securityContext?.runAsUser !== 0, deployment.metadata.name);
    for (const container of spec.containers) {
      assert.equal(container.securityContext?.readOnlyRootFilesystem, true, container.name);
      assert.equal(container.securityContext?.allowPrivilegeEscalation, false, container.name);
    }
  }
});

test('the grace period covers the preStop sleep plus the time the server takes to drain', () => {
  const delay = /closeWithGrace\(\s*\{\s*delay:\s*([\d_]+)/.exec(read('src/server.ts'))?.[1];
  assert.ok(delay, 'src/server.ts calls closeWithGrace({ delay: <ms> })');
  const drainSeconds = Number(delay.replaceAll('_', '')) / 1000;
  const preStop = serverContainer.lifecycle?.preStop;
  const [program, sleepSeconds] = preStop?.exec?.command ?? ['sleep', String(preStop?.sleep?.seconds ?? 0)];
  assert.equal(program, 'sleep');
  assert.ok(Number(sleepSeconds) > 0, 'a preStop sleep lets endpoint removal spread before SIGTERM');
  const grace = podSpec(server).terminationGracePeriodSeconds ?? 30;
  assert.ok(grace > Number(sleepSeconds) + drainSeconds, `terminationGracePeriodSeconds ${grace} > ${sleepSeconds} + ${drainSeconds}`);
});

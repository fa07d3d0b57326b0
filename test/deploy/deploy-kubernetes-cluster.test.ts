// deploy/kubernetes/redis-cluster (the overlay for an operator-managed Redis Cluster) checked
// against the base it patches and the code it configures, since no cluster runs here: every file
// parses, each patch names a resource the base has, the replicas get REDIS_CLUSTER_NODES (a
// variable the service reads, with a seed list it accepts) and nothing is left pointing at the
// single Redis the overlay removes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { CONFIG_DEFAULTS } from '../../src/config.js';
import { parseRedisTarget } from '../../src/sessions/redis-target.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const baseDir = `${repoRoot}/deploy/kubernetes`;
const overlayDir = `${baseDir}/redis-cluster`;
const read = (path: string): string => readFileSync(path, 'utf8');

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  data?: Record<string, string | null>;
  $patch?: string;
}

const documentsOf = (path: string): Resource[] =>
  parseAllDocuments(read(path)).map((document) => {
    assert.deepEqual(document.errors, [], `${path} parses`);
    return document.toJS() as Resource;
  });
const base: Resource[] = readdirSync(baseDir)
  .filter((file) => /\.ya?ml$/.test(file) && !file.startsWith('kustomization.'))
  .flatMap((file) => documentsOf(`${baseDir}/${file}`));
const kustomization = parse(read(`${overlayDir}/kustomization.yaml`)) as { kind: string; resources: string[]; patches: { path: string }[] };
const patches = kustomization.patches.flatMap(({ path }) => documentsOf(`${overlayDir}/${path}`));
const sameResource = (a: Resource, b: Resource): boolean => a.kind === b.kind && a.metadata.name === b.metadata.name;
const configPatch = patches.find((patch) => patch.kind === 'ConfigMap');

test('the overlay builds on the base kustomization and lists exactly its own patch files', () => {
  assert.equal(kustomization.kind, 'Kustomization');
  assert.deepEqual(kustomization.resources, ['..']);
  assert.ok(existsSync(`${baseDir}/kustomization.yaml`));
  const files = readdirSync(overlayDir).filter((file) => /\.ya?ml$/.test(file) && file !== 'kustomization.yaml');
  assert.deepEqual(kustomization.patches.map((patch) => patch.path).sort(), files.sort());
});

test('every patch names a resource of the base, with its apiVersion', () => {
  assert.ok(patches.length >= 3);
  for (const patch of patches) {
    const target = base.find((resource) => sameResource(resource, patch));
    assert.ok(target, `${patch.kind} ${patch.metadata.name} is in the base`);
    assert.equal(patch.apiVersion, target.apiVersion, `${patch.kind} ${patch.metadata.name}`);
  }
});

test('the replicas get REDIS_CLUSTER_NODES, a seed list the service accepts, and no REDIS_URL', () => {
  assert.ok(configPatch, 'a ConfigMap patch');
  const baseConfig = base.find((resource) => sameResource(resource, configPatch));
  assert.equal(baseConfig?.data?.SESSION_STORE, 'redis', 'the base already stores sessions in Redis');
  const nodes = configPatch.data?.REDIS_CLUSTER_NODES;
  assert.ok('REDIS_CLUSTER_NODES' in CONFIG_DEFAULTS, 'src/config.ts reads REDIS_CLUSTER_NODES');
  assert.ok(nodes, 'REDIS_CLUSTER_NODES is set');
  const target = parseRedisTarget('', nodes);
  assert.equal(target.kind, 'cluster');
  for (const name of Object.keys(configPatch.data ?? {})) assert.ok(name in CONFIG_DEFAULTS, `${name} is a variable the service reads`);
  // A strategic-merge null removes the key: nothing points at the deleted single Redis.
  assert.ok('REDIS_URL' in (configPatch.data ?? {}) && configPatch.data?.REDIS_URL === null, 'REDIS_URL is removed');
});

test('the single Redis is deleted, and nothing else of the base names it', () => {
  const deleted = patches.filter((patch) => patch.$patch === 'delete');
  const single = base.filter((resource) => resource.metadata.name === 'rnn-serve-redis');
  assert.ok(single.length >= 2, 'the base has a Redis Deployment and Service');
  assert.deepEqual(
    deleted.map((patch) => `${patch.kind}/${patch.metadata.name}`).sort(),
    single.map((resource) => `${resource.kind}/${resource.metadata.name}`).sort(),
  );
  // What remains after the overlay: the ConfigMap with the patch applied, every other resource as is.
  const remaining = base
    .filter((resource) => !deleted.some((patch) => sameResource(patch, resource)))
    .map((resource) => (configPatch && sameResource(resource, configPatch) ? { ...resource, data: { ...resource.data, ...configPatch.data } } : resource));
  for (const resource of remaining) {
    const values = Object.values(resource.data ?? {}).filter((value) => value !== null);
    for (const value of values) assert.doesNotMatch(String(value), /\brnn-serve-redis:/, `${resource.kind} ${resource.metadata.name} names the deleted Redis`);
  }
});

test('the overlay says which operator services the seed list fits', () => {
  const nodes = configPatch?.data?.REDIS_CLUSTER_NODES ?? '';
  const host = nodes.split(',')[0]?.split(':')[0] ?? '';
  assert.ok(host !== '' && read(`${overlayDir}/kustomization.yaml`).includes(host), `kustomization.yaml explains where ${host} comes from`);
});

// docker-compose.yml's "cluster" profile checked against the code it deploys, since no Docker
// engine runs here: six cluster-enabled Redis nodes configured as the single Redis is (no
// persistence, noeviction), a one-shot service that joins exactly those nodes into three
// primaries with a replica each, and replicas that reach them through REDIS_CLUSTER_NODES and
// wait for the cluster only when the profile is on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseRedisTarget } from '../../src/sessions/redis-target.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const composeText = readFileSync(`${repoRoot}/docker-compose.yml`, 'utf8');

interface ComposeService {
  build?: unknown;
  image?: string;
  profiles?: string[];
  entrypoint?: string[];
  command?: string[];
  ports?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  restart?: string;
}

const services = Object.entries((parse(composeText) as { services: Record<string, ComposeService> }).services);
const PROFILE = 'cluster';
const inProfile = (service: ComposeService): boolean => service.profiles?.includes(PROFILE) ?? false;
const commandText = (service: ComposeService): string => [...(service.entrypoint ?? []), ...(service.command ?? [])].join(' ');
const nodes = services.filter(([, service]) => inProfile(service) && (service.command ?? []).includes('--cluster-enabled'));
const nodeNames = nodes.map(([name]) => name).sort();
const creators = services.filter(([, service]) => inProfile(service) && commandText(service).includes('--cluster create'));
const replicas = services.filter(([, service]) => service.build !== undefined);
const singleRedis = services.find(([name]) => name === 'redis')?.[1];

/** The value after `flag` in a redis-server command line. */
const flag = (service: ComposeService, name: string): string | undefined => {
  const command = service.command ?? [];
  const at = command.indexOf(name);
  return at < 0 ? undefined : command[at + 1];
};

test('the cluster profile runs six cluster-enabled Redis nodes, configured as the single Redis is', () => {
  assert.equal(nodes.length, 6, `nodes: ${nodeNames.join(', ')}`);
  assert.ok(singleRedis, 'the single redis service exists');
  for (const [name, node] of nodes) {
    assert.equal(node.image, singleRedis.image, `${name} runs the image of the single Redis`);
    assert.equal(node.command?.[0], 'redis-server', name);
    assert.equal(flag(node, '--cluster-enabled'), 'yes', name);
    assert.ok(flag(node, '--cluster-config-file'), `${name} names its nodes.conf`);
    assert.ok(Number(flag(node, '--cluster-node-timeout')) > 0, `${name} sets how soon a silent primary is failed over`);
    assert.equal(flag(node, '--save'), '', `${name}: no RDB snapshots`);
    assert.equal(flag(node, '--appendonly'), 'no', `${name}: no append-only file`);
    assert.equal(flag(node, '--maxmemory-policy'), 'noeviction', `${name} never evicts a session`);
    assert.match(String(flag(node, '--port')), /^\d+$/, `${name} names its port`);
    assert.equal(node.ports, undefined, `${name} is not published: only the replicas reach it`);
    assert.match([node.healthcheck?.test ?? []].flat().join(' '), /redis-cli.*ping/, `${name} is health-checked`);
  }
});

test('one one-shot service joins exactly those nodes, three primaries with a replica each, once the nodes answer', () => {
  assert.equal(creators.length, 1, 'one service runs redis-cli --cluster create');
  const [name, creator] = creators[0]!;
  assert.equal(creator.restart, 'no', `${name} runs once`);
  assert.deepEqual(Object.keys(creator.depends_on ?? {}).sort(), nodeNames, `${name} waits for every node`);
  for (const condition of Object.values(creator.depends_on ?? {})) assert.equal(condition.condition, 'service_healthy');
  const script = commandText(creator);
  // The nodes' addresses are built in a loop (redis-cli --cluster create takes addresses, not names).
  const loop = /for (\w+) in ([\d ]+); do .*?getent hosts ([\w-]+?)\$\$\1 .*?:(\d+)"/.exec(script);
  assert.ok(loop, `${name} resolves every node's address in a loop: ${script}`);
  const [, , numbers, base, port] = loop;
  assert.deepEqual(numbers!.trim().split(/\s+/).map((n) => `${base}${n}`).sort(), nodeNames, 'the loop names every node and no other');
  for (const [nodeName, node] of nodes) assert.equal(flag(node, '--port'), port, `${name} reaches ${nodeName} on its port`);
  const replicasPerPrimary = Number(/--cluster-replicas (\d+)/.exec(script)?.[1]);
  assert.equal(replicasPerPrimary, 1, 'one replica per primary');
  assert.equal(nodes.length / (1 + replicasPerPrimary), 3, 'three primaries: the fewest a cluster takes');
  assert.match(script, /--cluster-yes/, 'it does not wait for a "yes" nobody types');
  assert.match(script, /cluster_state:ok/, 'it finishes once the cluster serves every slot, and skips an existing cluster');
  // Compose interpolates `$x` itself: a shell variable must be written `$$x`.
  assert.doesNotMatch(script.replaceAll('$$', ''), /\$/, `${name}: every $ of the shell script is escaped as $$`);
});

test('the replicas reach the cluster through REDIS_CLUSTER_NODES and wait for it only when the profile is on', () => {
  assert.ok(replicas.length >= 2);
  const [creatorName] = creators[0]!;
  for (const [name, replica] of replicas) {
    assert.equal(replica.environment?.REDIS_CLUSTER_NODES, '${REDIS_CLUSTER_NODES:-}', `${name} passes REDIS_CLUSTER_NODES through, empty (single Redis) by default`);
    assert.deepEqual(replica.depends_on?.[creatorName], { condition: 'service_completed_successfully', required: false }, `${name} starts after the cluster is created`);
  }
});

test('no service outside the profile requires a service of the profile', () => {
  const profiled = new Set(services.filter(([, service]) => inProfile(service)).map(([name]) => name));
  for (const [name, service] of services.filter(([, s]) => !inProfile(s))) {
    for (const [dependency, condition] of Object.entries(service.depends_on ?? {})) {
      if (profiled.has(dependency)) assert.equal(condition.required, false, `${name} would not start without --profile ${PROFILE}`);
    }
  }
});

test('the seed list the file documents names nodes of the profile on their port, and parses as a cluster', () => {
  const documented = /REDIS_CLUSTER_NODES=(\S+)/.exec(composeText)?.[1];
  assert.ok(documented, 'the header says what to set REDIS_CLUSTER_NODES to');
  assert.match(composeText, new RegExp(`COMPOSE_PROFILES=${PROFILE}\\b`), 'and how to turn the profile on');
  const target = parseRedisTarget('', documented);
  assert.equal(target.kind, 'cluster');
  assert.ok(target.kind === 'cluster' && target.nodes.length >= 2, 'two or more seeds, so one being down does not stop a start');
  for (const seed of target.kind === 'cluster' ? target.nodes : []) {
    const node = nodes.find(([name]) => name === seed.host)?.[1];
    assert.ok(node, `${seed.host} is a node of the profile`);
    assert.equal(flag(node, '--port'), String(seed.port), `${seed.host} listens on ${seed.port}`);
  }
});

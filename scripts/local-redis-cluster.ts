// A real Redis Cluster on this machine, for the tests and the benches: N primaries with R replicas
// each, started with redis-server --cluster-enabled on free local ports in a temporary directory,
// joined with `redis-cli --cluster create`, and torn down (processes killed, directory removed)
// by stop() — and, should the caller die first, by an exit hook. It also makes the faults the
// tests need: kill a primary and wait for its replica's promotion, move a slot by hand (the
// CLUSTER SETSLOT / MIGRATE steps of a reshard, slow enough to step sessions meanwhile), and take
// a whole shard away (frozen, or killed) and bring it back.
//
// Lives in scripts/ so test/ and bench/ both import it without one depending on the other.
// Needs redis-server and redis-cli >= 7.0 on PATH (REDIS_SERVER / REDIS_CLI override them).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);
const HOST = '127.0.0.1';
/** Redis Cluster's bus listens on port + 10000, so a node's port must leave room for it. */
const BUS_PORT_OFFSET = 10000;

export interface LocalRedisClusterOptions {
  /** Primaries, each owning an equal share of the 16384 slots (default 3). */
  readonly primaries?: number;
  /** Replicas per primary (default 1). */
  readonly replicasPerPrimary?: number;
  /**
   * cluster-node-timeout: how long a node may be unreachable before it is marked failed and its
   * replica promoted. Default 15000 ms, Redis' own: a node stalled on a loaded machine (CI runs six
   * nodes and the tests on two cores) is never failed over behind the back of a test that is not
   * about failover, which would lose the writes not yet replicated. Fault tests pass ~1000.
   */
  readonly nodeTimeoutMs?: number;
  /**
   * cluster-require-full-coverage (default false): false keeps the slots of live shards serving
   * while one shard is down; true makes every node answer CLUSTERDOWN until all slots are covered.
   */
  readonly requireFullCoverage?: boolean;
  /** Extra redis-server arguments for every node, e.g. ['--maxmemory', '1gb']. */
  readonly extraArgs?: readonly string[];
}

export interface ClusterNodeInfo {
  readonly id: string;
  readonly port: number;
  readonly role: 'primary' | 'replica';
  /** For a replica, the id of its primary. */
  readonly primaryId: string | undefined;
  /** Slots a primary owns, as [first, last] ranges. */
  readonly slots: readonly (readonly [number, number])[];
  /** Flags such as 'fail', 'fail?' and 'myself' from CLUSTER NODES. */
  readonly flags: readonly string[];
}

/** A shard a caller took away: its ports and how it went, to bring it back with restoreShard. */
export interface DownShard {
  readonly ports: readonly number[];
  readonly how: 'frozen' | 'killed';
}

interface NodeProcess {
  readonly port: number;
  readonly dir: string;
  child: ChildProcess | undefined;
  frozen: boolean;
}

const live = new Set<LocalRedisCluster>();
let exitHookInstalled = false;

export class LocalRedisCluster {
  private readonly nodes = new Map<number, NodeProcess>();
  private stopped = false;

  private constructor(
    private readonly dir: string,
    private readonly options: Required<LocalRedisClusterOptions>,
  ) {}

  /** Starts the nodes, creates the cluster and waits until every node reports cluster_state:ok. */
  static async start(options: LocalRedisClusterOptions = {}): Promise<LocalRedisCluster> {
    await requireRedisTools();
    const resolved: Required<LocalRedisClusterOptions> = {
      primaries: options.primaries ?? 3,
      replicasPerPrimary: options.replicasPerPrimary ?? 1,
      nodeTimeoutMs: options.nodeTimeoutMs ?? 15_000,
      requireFullCoverage: options.requireFullCoverage ?? false,
      extraArgs: options.extraArgs ?? [],
    };
    if (resolved.primaries < 3) throw new Error('redis-cli --cluster create needs at least 3 primaries');
    const cluster = new LocalRedisCluster(mkdtempSync(join(tmpdir(), 'rnn-serve-redis-cluster-')), resolved);
    live.add(cluster);
    installExitHook();
    try {
      const count = resolved.primaries * (1 + resolved.replicasPerPrimary);
      const ports = await freeClusterPorts(count);
      for (const port of ports) {
        const dir = join(cluster.dir, String(port));
        mkdirSync(dir);
        cluster.nodes.set(port, { port, dir, child: undefined, frozen: false });
        cluster.spawnNode(port);
      }
      await Promise.all(ports.map((port) => waitForPing(port, 10_000)));
      await run(redisCli(), [
        '--cluster',
        'create',
        ...ports.map((port) => `${HOST}:${port}`),
        '--cluster-replicas',
        String(resolved.replicasPerPrimary),
        '--cluster-yes',
      ]);
      await cluster.waitForHealthy();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** Every node's port, primaries and replicas, in start order. */
  get ports(): number[] {
    return [...this.nodes.keys()];
  }

  /** The seed list for REDIS_CLUSTER_NODES: host:port of every node, comma-separated. */
  get seeds(): string {
    return this.ports.map((port) => `${HOST}:${port}`).join(',');
  }

  /** A plain (non-cluster) connection to one node, for CLUSTER / INFO commands. Quit it after use. */
  connect(port: number): Redis {
    const client = new Redis({ host: HOST, port, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
    client.on('error', () => undefined); // a command on a dead node fails; no unhandled error event
    return client;
  }

  /** One command on one node, connection opened and closed around it. */
  async command(port: number, name: string, ...args: (string | number)[]): Promise<unknown> {
    const client = this.connect(port);
    try {
      return await client.call(name, ...args.map(String));
    } finally {
      client.disconnect();
    }
  }

  /** The cluster as node `askPort` (default: any reachable node) sees it. */
  async topology(askPort?: number): Promise<ClusterNodeInfo[]> {
    const candidates = askPort === undefined ? this.reachablePorts() : [askPort];
    let lastError: unknown;
    for (const port of candidates) {
      try {
        return parseClusterNodes(String(await this.command(port, 'CLUSTER', 'NODES')));
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no cluster node answered CLUSTER NODES: ${String(lastError)}`);
  }

  /** The primaries, each with the replicas that follow it. */
  async shards(): Promise<{ primary: ClusterNodeInfo; replicas: ClusterNodeInfo[] }[]> {
    const nodes = await this.topology();
    return nodes
      .filter((node) => node.role === 'primary' && node.slots.length > 0)
      .map((primary) => ({ primary, replicas: nodes.filter((node) => node.primaryId === primary.id) }));
  }

  /** The primary that serves `slot` now. */
  async primaryOfSlot(slot: number): Promise<ClusterNodeInfo> {
    const owner = (await this.topology()).find(
      (node) => node.role === 'primary' && !node.flags.includes('fail') && node.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    if (!owner) throw new Error(`no primary serves slot ${slot}`);
    return owner;
  }

  /** The hash slot of a key (asks a node, so hash tags follow Redis' own rule). */
  async slotOf(key: string): Promise<number> {
    return Number(await this.command(this.reachablePorts()[0]!, 'CLUSTER', 'KEYSLOT', key));
  }

  /**
   * Kills a primary (SIGKILL: no goodbye to its peers) and waits until one of its replicas is
   * promoted and the cluster is ok again. Answers the new primary's port. The dead node stays
   * down until restartNode(port), after which it rejoins as a replica.
   */
  async killPrimaryAndAwaitPromotion(port: number, timeoutMs = 20_000): Promise<number> {
    const before = await this.topology(port);
    const self = before.find((node) => node.port === port);
    if (!self || self.role !== 'primary') throw new Error(`port ${port} is not a primary`);
    const replicaPorts = before.filter((node) => node.primaryId === self.id).map((node) => node.port);
    if (replicaPorts.length === 0) throw new Error(`primary ${port} has no replica to promote`);
    this.killNode(port);
    return this.waitForPromotion(self.id, replicaPorts, timeoutMs);
  }

  /** Waits until one of `replicaPorts` (the replicas of primary `primaryId`) is a primary with slots. */
  async waitForPromotion(primaryId: string, replicaPorts: readonly number[], timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const port of replicaPorts) {
        const view = await this.topology(port).catch(() => []);
        const self = view.find((node) => node.flags.includes('myself'));
        if (self?.role === 'primary' && self.slots.length > 0) {
          await this.waitForHealthy(Math.max(1000, deadline - Date.now()));
          return port;
        }
      }
      if (Date.now() > deadline) throw new Error(`no replica of ${primaryId} was promoted within ${timeoutMs} ms`);
      await sleep(100);
    }
  }

  /**
   * Moves `slot` to the primary at `toPort` the way `redis-cli --cluster reshard` does: the target
   * IMPORTING, the source MIGRATING, keys moved with MIGRATE `keysPerMigrate` at a time with
   * `pauseMs` before, between and after the batches (clients meanwhile get ASK redirects for moved
   * keys), then the slot assigned to the target on both sides. Answers how many keys moved.
   */
  async moveSlot(slot: number, toPort: number, options: { keysPerMigrate?: number; pauseMs?: number } = {}): Promise<number> {
    const keysPerMigrate = options.keysPerMigrate ?? 100;
    const pauseMs = options.pauseMs ?? 0;
    const source = await this.primaryOfSlot(slot);
    const nodes = await this.topology();
    const target = nodes.find((node) => node.port === toPort);
    if (!target || target.role !== 'primary') throw new Error(`port ${toPort} is not a primary`);
    if (target.id === source.id) return 0;
    await this.command(target.port, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id);
    await this.command(source.port, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id);
    if (pauseMs > 0) await sleep(pauseMs); // MIGRATING with every key still on the source
    let moved = 0;
    const sourceClient = this.connect(source.port);
    try {
      for (;;) {
        const keys = (await sourceClient.call('CLUSTER', 'GETKEYSINSLOT', String(slot), String(keysPerMigrate))) as string[];
        if (keys.length === 0) break;
        await sourceClient.call('MIGRATE', HOST, String(target.port), '', '0', '5000', 'REPLACE', 'KEYS', ...keys);
        moved += keys.length;
        if (pauseMs > 0) await sleep(pauseMs); // keys on both sides: ASK for the moved ones
      }
    } finally {
      sourceClient.disconnect();
    }
    // Target first, as redis-cli does: once the source gives the slot up, the target must own it.
    await this.command(target.port, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    await this.command(source.port, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id);
    for (const node of nodes) {
      if (node.role === 'primary' && node.id !== source.id && node.id !== target.id && this.isUp(node.port)) {
        await this.command(node.port, 'CLUSTER', 'SETSLOT', slot, 'NODE', target.id).catch(() => undefined);
      }
    }
    return moved;
  }

  /**
   * Takes away the shard whose primary is `primaryPort`: the primary and all its replicas, either
   * frozen (SIGSTOP: unreachable, data kept, like a partition) or killed (SIGKILL: with this
   * launcher's `--save "" --appendonly no` their data is gone). Waits until the other nodes mark
   * the primary failed, so the shard's slots are uncovered when this returns.
   */
  async takeShardDown(primaryPort: number, how: 'frozen' | 'killed', timeoutMs = 20_000): Promise<DownShard> {
    const nodes = await this.topology(primaryPort);
    const primary = nodes.find((node) => node.port === primaryPort);
    if (!primary || primary.role !== 'primary') throw new Error(`port ${primaryPort} is not a primary`);
    const ports = [primaryPort, ...nodes.filter((node) => node.primaryId === primary.id).map((node) => node.port)];
    for (const port of ports) {
      if (how === 'frozen') this.freezeNode(port);
      else this.killNode(port);
    }
    const witness = this.reachablePorts()[0];
    if (witness === undefined) throw new Error('no node left up to watch the shard fail');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.topology(witness);
      if (view.find((node) => node.id === primary.id)?.flags.includes('fail')) break;
      if (Date.now() > deadline) throw new Error(`the cluster did not mark ${primaryPort} failed within ${timeoutMs} ms`);
      await sleep(100);
    }
    return { ports, how };
  }

  /** Brings back a shard takeShardDown took away and waits until the cluster is ok. */
  async restoreShard(shard: DownShard, timeoutMs = 30_000): Promise<void> {
    for (const port of shard.ports) {
      if (shard.how === 'frozen') this.thawNode(port);
      else this.restartNode(port);
    }
    await Promise.all(shard.ports.map((port) => waitForPing(port, timeoutMs)));
    await this.waitForHealthy(timeoutMs);
  }

  /** SIGKILL one node. */
  killNode(port: number): void {
    const node = this.node(port);
    node.child?.kill('SIGKILL');
    node.child = undefined;
    node.frozen = false;
  }

  /** Starts a killed node again from its directory: it rejoins with its nodes.conf (no data). */
  restartNode(port: number): void {
    const node = this.node(port);
    if (node.child) throw new Error(`node ${port} is running`);
    this.spawnNode(port);
  }

  /** SIGSTOP: the node keeps its sockets and data but answers nothing. */
  freezeNode(port: number): void {
    const node = this.node(port);
    node.child?.kill('SIGSTOP');
    node.frozen = true;
  }

  thawNode(port: number): void {
    const node = this.node(port);
    node.child?.kill('SIGCONT');
    node.frozen = false;
  }

  /**
   * Waits until every running node reports cluster_state:ok, agrees that every slot is served,
   * and every replica's link to its primary is up (so a failover right after finds it in sync).
   */
  async waitForHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        last = await this.unhealthyReason();
        if (last === '') return;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`the local Redis Cluster is not healthy after ${timeoutMs} ms: ${last}`);
      await sleep(100);
    }
  }

  /** Kills every node, removes the directory. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    live.delete(this);
    const exits: Promise<void>[] = [];
    for (const node of this.nodes.values()) {
      const child = node.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      exits.push(new Promise((resolve) => child.once('exit', () => resolve())));
      child.kill('SIGKILL'); // also ends a frozen (SIGSTOPped) node
    }
    await Promise.all(exits);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async unhealthyReason(): Promise<string> {
    for (const port of this.reachablePorts()) {
      const info = String(await this.command(port, 'CLUSTER', 'INFO'));
      if (!info.includes('cluster_state:ok')) return `node ${port}: ${firstLine(info, 'cluster_state')}`;
      if (!info.includes('cluster_slots_assigned:16384')) return `node ${port}: ${firstLine(info, 'cluster_slots_assigned')}`;
      if (!info.includes('cluster_slots_fail:0')) return `node ${port}: ${firstLine(info, 'cluster_slots_fail')}`;
      if (!info.includes('cluster_slots_pfail:0')) return `node ${port}: ${firstLine(info, 'cluster_slots_pfail')}`;
      const self = parseClusterNodes(String(await this.command(port, 'CLUSTER', 'NODES'))).find((node) => node.flags.includes('myself'));
      // A restarted old primary first comes back as a primary without slots, then turns replica.
      if (self?.role === 'primary' && self.slots.length === 0) return `node ${port}: a primary without slots`;
      const replication = String(await this.command(port, 'INFO', 'replication'));
      if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) {
        return `replica ${port}: link to its primary is not up`;
      }
    }
    return '';
  }

  private spawnNode(port: number): void {
    const node = this.node(port);
    const child = spawn(
      process.env.REDIS_SERVER ?? 'redis-server',
      [
        '--port', String(port),
        '--bind', HOST,
        '--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(this.options.nodeTimeoutMs),
        '--cluster-require-full-coverage', this.options.requireFullCoverage ? 'yes' : 'no',
        '--save', '',
        '--appendonly', 'no',
        '--daemonize', 'no',
        '--dir', node.dir,
        '--logfile', 'redis.log',
        ...this.options.extraArgs,
      ],
      { cwd: node.dir, stdio: 'ignore' },
    );
    child.on('error', () => undefined); // a spawn failure shows as the node never answering PING
    node.child = child;
    node.frozen = false;
  }

  private node(port: number): NodeProcess {
    const node = this.nodes.get(port);
    if (!node) throw new Error(`port ${port} is not a node of this cluster`);
    return node;
  }

  private isUp(port: number): boolean {
    const node = this.nodes.get(port);
    return node?.child !== undefined && !node.frozen;
  }

  private reachablePorts(): number[] {
    return this.ports.filter((port) => this.isUp(port));
  }

  /** For the exit hook: no awaiting, no cleanup beyond killing and removing. */
  killAllNow(): void {
    for (const node of this.nodes.values()) node.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Fails with what to install when redis-server or redis-cli is missing or older than 7.0. */
export async function requireRedisTools(): Promise<void> {
  for (const [tool, command] of [
    ['redis-server', process.env.REDIS_SERVER ?? 'redis-server'],
    ['redis-cli', redisCli()],
  ] as const) {
    let version: string;
    try {
      version = (await run(command, ['--version'])).stdout;
    } catch (error) {
      throw new Error(`a local Redis Cluster needs ${tool} >= 7.0 on PATH (apt-get install redis-server): ${(error as Error).message}`);
    }
    const major = Number(/(?:v=|cli )(\d+)\./.exec(version)?.[1] ?? 0);
    if (major < 7) throw new Error(`a local Redis Cluster needs ${tool} >= 7.0, found: ${version.trim()}`);
  }
}

/**
 * `count` distinct free ports P with P + 10000 free too (the cluster bus), each below 55536.
 * Free when asked: another process could take one before the node binds it (then start fails
 * clearly, with the node never answering PING).
 */
export async function freeClusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count; attempt++) {
    if (attempt > 200) throw new Error(`could not find ${count} free port pairs (P, P + ${BUS_PORT_OFFSET})`);
    const port = await listenAndClose(0);
    if (port === undefined || port + BUS_PORT_OFFSET > 65535 || ports.includes(port)) continue;
    if ((await listenAndClose(port + BUS_PORT_OFFSET)) === undefined) continue;
    ports.push(port);
  }
  return ports;
}

/** Listens on `port` (0: any) and closes again; the port, or undefined when it was taken. */
function listenAndClose(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, HOST, () => {
      const bound = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(bound));
    });
  });
}

function redisCli(): string {
  return process.env.REDIS_CLI ?? 'redis-cli';
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({ host: HOST, port, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 500, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${(error as Error).message}`);
    } finally {
      client.disconnect();
    }
    await sleep(50);
  }
}

/** CLUSTER NODES lines: `id host:port@bus flags primary-id ping pong epoch link slot...`. */
export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id, address, flagList, primaryId, , , , , ...slotFields] = line.trim().split(' ');
      const flags = flagList!.split(',');
      const port = Number(/:(\d+)/.exec(address!)?.[1]);
      const slots = slotFields
        .filter((field) => !field.startsWith('[')) // [slot->-id] migrating / importing markers
        .map((field): [number, number] => {
          const [first, last] = field.split('-').map(Number);
          return [first!, last ?? first!];
        });
      return {
        id: id!,
        port,
        role: flags.includes('master') ? 'primary' : 'replica',
        primaryId: primaryId === '-' ? undefined : primaryId,
        slots,
        flags,
      } satisfies ClusterNodeInfo;
    });
}

function firstLine(info: string, field: string): string {
  return info.split(/\r?\n/).find((line) => line.startsWith(field)) ?? `${field}: ?`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test runner that dies mid-file must not leave six redis-servers behind.
  process.on('exit', () => {
    for (const cluster of live) cluster.killAllNow();
  });
}

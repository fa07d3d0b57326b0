// Which Redis the session store talks to: one server (REDIS_URL, redis:// or rediss://) or a
// Redis Cluster, named by REDIS_CLUSTER_NODES (host:port,host:port) or a
// redis+cluster://[user:password@]host:port,host:port URL in REDIS_URL. A cluster's seed list
// need not name every node: the client learns the rest (and every later change) from CLUSTER
// SLOTS; two or three seeds are enough for it to start while one of them is down.

export type RedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly nodes: readonly { readonly host: string; readonly port: number }[];
      readonly username?: string;
      readonly password?: string;
    };

const CLUSTER_SCHEME = 'redis+cluster://';

/** Throws an Error saying what is wrong with `clusterNodes` or the URL (config turns it into a ConfigError). */
export function parseRedisTarget(url: string, clusterNodes = ''): RedisTarget {
  if (clusterNodes.trim() !== '') return { kind: 'cluster', nodes: parseNodes(clusterNodes, 'REDIS_CLUSTER_NODES') };
  if (!url.startsWith(CLUSTER_SCHEME)) return { kind: 'single', url };
  let rest = url.slice(CLUSTER_SCHEME.length).replace(/\/.*$/, ''); // no database: a cluster has only 0
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const credentials = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = credentials.indexOf(':');
    username = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : '') || undefined;
    password = decodeURIComponent(colon >= 0 ? credentials.slice(colon + 1) : credentials) || undefined;
  }
  return {
    kind: 'cluster',
    nodes: parseNodes(rest, 'REDIS_URL'),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

function parseNodes(list: string, variable: string): { host: string; port: number }[] {
  const nodes = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(entry);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65535) {
        throw new Error(`${variable}: ${JSON.stringify(entry)} is not host:port (a cluster node, e.g. 10.0.0.5:6379)`);
      }
      return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
    });
  if (nodes.length === 0) throw new Error(`${variable} names no cluster node (host:port,host:port)`);
  return nodes;
}

/** Where the store is, for messages and logs: host:port list, never a password. */
export function describeTarget(target: RedisTarget): string {
  if (target.kind === 'cluster') return `Redis Cluster at ${target.nodes.map((node) => `${node.host}:${node.port}`).join(',')}`;
  try {
    const parsed = new URL(target.url);
    return `Redis at ${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'Redis at REDIS_URL';
  }
}

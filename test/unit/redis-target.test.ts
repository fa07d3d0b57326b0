// Which Redis the session store is pointed at (src/sessions/redis-target.ts), the configuration
// that names it, and how the session index is cut into partitions (redis-session-keys.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { sessionKeys } from '../../src/sessions/redis-session-keys.js';
import { describeTarget, parseRedisTarget } from '../../src/sessions/redis-target.js';

describe('the Redis target', () => {
  it('is one server for redis:// and rediss:// URLs', () => {
    assert.deepEqual(parseRedisTarget('redis://:secret@10.0.0.1:6380/2'), { kind: 'single', url: 'redis://:secret@10.0.0.1:6380/2' });
    assert.equal(describeTarget(parseRedisTarget('rediss://user:secret@cache:6380')), 'Redis at cache:6380');
  });

  it('is a cluster for REDIS_CLUSTER_NODES, whatever REDIS_URL says', () => {
    assert.deepEqual(parseRedisTarget('redis://ignored:6379', ' 10.0.0.1:7000, redis-1:7001,[::1]:7002 '), {
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-1', port: 7001 },
        { host: '::1', port: 7002 },
      ],
    });
  });

  it('is a cluster for redis+cluster:// with credentials, never showing the password', () => {
    const target = parseRedisTarget('redis+cluster://app:p%40ss@a:7000,b:7001/0');
    assert.deepEqual(target, { kind: 'cluster', nodes: [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }], username: 'app', password: 'p@ss' });
    assert.equal(describeTarget(target), 'Redis Cluster at a:7000,b:7001');
    assert.ok(!describeTarget(target).includes('p@ss'));
  });

  it('refuses a node that is not host:port, naming the variable and the entry', () => {
    assert.throws(() => parseRedisTarget('', 'a:7000,b'), /REDIS_CLUSTER_NODES: "b" is not host:port/);
    assert.throws(() => parseRedisTarget('redis+cluster://a:70000'), /REDIS_URL: "a:70000" is not host:port/);
    assert.throws(() => parseRedisTarget('redis+cluster://'), /REDIS_URL names no cluster node/);
    assert.throws(() => loadConfig({ REDIS_CLUSTER_NODES: 'nope' }), ConfigError);
    assert.equal(loadConfig({ REDIS_CLUSTER_NODES: 'a:7000' }).redisClusterNodes, 'a:7000');
  });
});

describe('the session index in partitions', () => {
  it('one partition keeps the {sessions} keys and the whole of maxSessions', () => {
    const keys = sessionKeys('p:', 10);
    assert.deepEqual(keys.indexes, [{ expiries: 'p:{sessions}:expiries', models: 'p:{sessions}:models', maxSessions: 10 }]);
    assert.equal(keys.index('any'), keys.indexes[0]);
  });

  it('N partitions: shares adding up to maxSessions, each id always in the same one, all of them used', () => {
    const keys = sessionKeys('p:', 10, 4);
    assert.deepEqual(keys.indexes.map((index) => index.maxSessions), [3, 3, 2, 2]);
    assert.equal(keys.indexes[2]!.expiries, 'p:{sessions:2}:expiries');
    const used = new Set(Array.from({ length: 200 }, (_, i) => keys.index(`id-${i}`)));
    assert.equal(used.size, 4);
    const again = sessionKeys('p:', 10, 4); // another replica
    for (let i = 0; i < 50; i++) assert.equal(again.index(`id-${i}`).expiries, keys.index(`id-${i}`).expiries);
  });

  it('refuses more partitions than maxSessions, in the store and in the configuration', () => {
    assert.throws(() => sessionKeys('p:', 3, 4), /maxSessions \(3\) is below the index partitions \(4\)/);
    assert.throws(() => loadConfig({ MAX_SESSIONS: '3', REDIS_INDEX_PARTITIONS: '4' }), /REDIS_INDEX_PARTITIONS=4 is not an integer in \[1, 3\]/);
    assert.equal(loadConfig({ REDIS_INDEX_PARTITIONS: '8' }).redisIndexPartitions, 8);
  });
});

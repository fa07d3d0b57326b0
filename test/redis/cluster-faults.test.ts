// Faults of a real Redis Cluster (three primaries, three replicas, started by this file on local
// ports, cluster-node-timeout 1000 ms) under two server processes that share it: a slot migrated
// while its session is being stepped, a primary killed and its replica promoted, a whole shard
// (primary and replica) gone and back. Clients step sessions over HTTP with expected_t and, on a
// 503, retry the same step after a short pause (a 409 SEQUENCE_CONFLICT on a retry means the
// unanswered attempt was applied: the client reads t and moves on). For each fault the test
// checks what clients saw (only 200s, or 503 STORE_UNAVAILABLE with Retry-After), that every
// acknowledged (t, outputs) equals an uninterrupted run's and the final state too (nothing lost,
// nothing applied twice), and that service came back without restarting anything. The figures
// (errors, Retry-After, time to recover) are printed as diagnostics for the closing note.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { expectJson } from '../helpers/http-json.js';
import { ServerProcess } from '../helpers/server-process.js';
import { clusterTarget } from '../helpers/store-targets.js';

const target = await clusterTarget({ nodeTimeoutMs: 1000 });
const cluster = target.cluster!;
const prefix = target.newPrefix('cluster-faults');
const env = { SESSION_STORE: 'redis', ...target.env, REDIS_KEY_PREFIX: prefix, SESSION_TTL_SECONDS: '300' };
const started = await Promise.allSettled([ServerProcess.start(env), ServerProcess.start(env)]);
const servers = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
after(() => Promise.all(servers.map((server) => server.stop())));
for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
const [a, b] = servers as [ServerProcess, ServerProcess];

const STEPS = 40;
/** Pause between a 503 and the retry: shorter than Retry-After, so the test measures recovery finely. */
const RETRY_PAUSE_MS = 100;

interface StateJson {
  readonly h: number[][];
  readonly c?: number[][];
}

/** What one client saw while stepping one session through a fault. */
interface Drive {
  readonly id: string;
  readonly acknowledged: { t: number; outputs: number[][] }[];
  /** Status codes other than 200, with their error code and Retry-After. */
  readonly refusals: { status: number; code: string; message: string; retryAfter: string | null; at: number }[];
  /** Steps whose reply was lost (503) but that the store had applied (seen as a 409 on the retry). */
  appliedUnanswered: number;
}

function vectors(count: number, seed: number): number[][] {
  return Array.from({ length: count }, (_, i) => [Math.sin(seed + i + 1), Math.cos(0.7 * i + seed), ((i % 5) - 2) / 4]);
}

async function createSession(): Promise<string> {
  return (await expectJson(201, a.baseUrl, 'POST', '/v1/sessions', { model: 'lstm' })).session_id as string;
}

function sessionSlot(id: string): Promise<number> {
  return cluster.slotOf(`${prefix}session:{${id}}`);
}

async function post(baseUrl: string, path: string, body: unknown) {
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as Record<string, unknown> };
}

/** Steps `id` through `inputs` alternating between the replicas, `gapMs` apart, retrying 503s. */
async function drive(id: string, inputs: readonly number[][], gapMs: number): Promise<Drive> {
  const result: Drive = { id, acknowledged: [], refusals: [], appliedUnanswered: 0 };
  for (let t = 0; t < inputs.length; ) {
    const server = t % 2 === 0 ? a : b;
    const reply = await post(server.baseUrl, `/v1/sessions/${id}/steps`, { inputs: [inputs[t]], expected_t: t });
    if (reply.status === 200) {
      assert.equal(reply.body.t, t + 1, `session ${id}: the step at expected_t ${t}`);
      result.acknowledged.push({ t: t + 1, outputs: reply.body.outputs as number[][] });
      t++;
      await sleep(gapMs);
      continue;
    }
    const code = String(reply.body.code);
    result.refusals.push({ status: reply.status, code, message: String(reply.body.message), retryAfter: reply.retryAfter, at: Date.now() });
    if (reply.status === 409 && code === 'SEQUENCE_CONFLICT' && result.refusals.at(-2)?.status === 503) {
      // The 503'd attempt was applied after all: where is the session now?
      const now = (await expectJson(200, a.baseUrl, 'GET', `/v1/sessions/${id}`)).t as number;
      assert.equal(now, t + 1, `session ${id}: after a lost reply the session is one step on, not ${now}`);
      result.appliedUnanswered++;
      t++;
      continue;
    }
    assert.equal(reply.status, 503, `session ${id}: only 503s while the store is away: ${JSON.stringify(reply.body)}`);
    // Kept for the diagnostics: which failure clients were told about.
    assert.equal(code, 'STORE_UNAVAILABLE');
    assert.match(reply.retryAfter ?? '', /^[1-9]\d*$/, 'a 503 carries Retry-After in seconds');
    await sleep(RETRY_PAUSE_MS);
  }
  return result;
}

/** Every acknowledged step and the final state equal one uninterrupted run of the same inputs. */
async function assertAsUninterrupted(run: Drive, inputs: readonly number[][]): Promise<void> {
  const reference = (await expectJson(200, a.baseUrl, 'POST', '/v1/models/lstm/predict', { inputs })) as { outputs: number[][]; state: StateJson };
  for (const step of run.acknowledged) {
    assert.deepEqual(step.outputs, [reference.outputs[step.t - 1]], `session ${run.id}: the outputs acknowledged at t = ${step.t}`);
  }
  assert.equal(run.acknowledged.length + run.appliedUnanswered, inputs.length);
  const final = (await expectJson(200, b.baseUrl, 'GET', `/v1/sessions/${run.id}`)) as { t: number; state: StateJson };
  assert.equal(final.t, inputs.length, `session ${run.id}: every step applied once`);
  assert.deepEqual(final.state, reference.state, `session ${run.id}: the final state of an uninterrupted run`);
}

function summary(runs: readonly Drive[], faultAt: number) {
  const refusals = runs.flatMap((run) => run.refusals);
  const byStatus: Record<string, number> = {};
  for (const refusal of refusals) byStatus[`${refusal.status} ${refusal.code}`] = (byStatus[`${refusal.status} ${refusal.code}`] ?? 0) + 1;
  return {
    acknowledged: runs.reduce((sum, run) => sum + run.acknowledged.length, 0),
    appliedUnanswered: runs.reduce((sum, run) => sum + run.appliedUnanswered, 0),
    refusals: byStatus,
    retryAfter: [...new Set(refusals.map((refusal) => refusal.retryAfter))],
    messages: [...new Set(refusals.map((refusal) => refusal.message.replace(/^.*could not /, '').replace(/\d+/g, 'N')))],
    lastRefusalAfterFaultMs: refusals.length > 0 ? Math.max(...refusals.map((refusal) => refusal.at)) - faultAt : 0,
  };
}

async function primaryPortOf(id: string): Promise<number> {
  return (await cluster.primaryOfSlot(await sessionSlot(id))).port;
}

describe('a Redis Cluster under two replicas, with faults', () => {
  it('slots migrated while their sessions are stepped: no error, nothing lost or applied twice', async (t) => {
    const ids = await Promise.all(Array.from({ length: 4 }, () => createSession()));
    const inputs = ids.map((_, i) => vectors(STEPS, i));
    const faultAt = Date.now();
    const runs = Promise.all(ids.map((id, i) => drive(id, inputs[i]!, 10)));
    const shards = await cluster.shards();
    let moved = 0;
    for (const id of ids) {
      const from = await primaryPortOf(id);
      const to = shards.find((shard) => shard.primary.port !== from)!.primary.port;
      moved += await cluster.moveSlot(await sessionSlot(id), to, { keysPerMigrate: 1, pauseMs: 60 });
      assert.equal(await primaryPortOf(id), to, 'the slot moved');
    }
    const done = await runs;
    const figures = summary(done, faultAt);
    t.diagnostic(`slot migration: ${JSON.stringify({ slotsMoved: ids.length, keysMoved: moved, ...figures })}`);
    assert.ok(moved >= ids.length, 'each slot held its session key when it moved');
    assert.deepEqual(figures.refusals, {}, 'MOVED and ASK are followed by the client: nobody sees an error');
    for (const [i, run] of done.entries()) await assertAsUninterrupted(run, inputs[i]!);
  });

  it('a primary killed: its sessions answer 503 with Retry-After until the replica is promoted, then carry on', async (t) => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => createSession()));
    const inputs = ids.map((_, i) => vectors(STEPS, 10 + i));
    const victim = await primaryPortOf(ids[0]!);
    const runs = Promise.all(ids.map((id, i) => drive(id, inputs[i]!, 25)));
    await sleep(200);
    const faultAt = Date.now();
    const promoted = await cluster.killPrimaryAndAwaitPromotion(victim);
    const promotedAfterMs = Date.now() - faultAt;
    const done = await runs;
    const figures = summary(done, faultAt);
    t.diagnostic(`primary killed: ${JSON.stringify({ promotedAfterMs, ...figures })}`);
    assert.notEqual(promoted, victim);
    for (const [i, run] of done.entries()) await assertAsUninterrupted(run, inputs[i]!);
    const onVictim = done.filter((run) => run.id === ids[0]);
    assert.ok(onVictim[0]!.refusals.length > 0, 'the killed shard\'s session did see the outage');
    cluster.restartNode(victim); // back as a replica of the promoted node, for the next test
    await cluster.waitForHealthy();
  });

  it('a whole shard gone (primary and replica frozen) and back: its sessions 503, the others carry on', async (t) => {
    const ids = await Promise.all(Array.from({ length: 9 }, () => createSession()));
    const inputs = ids.map((_, i) => vectors(STEPS, 20 + i));
    const shardPort = await primaryPortOf(ids[0]!);
    const onShard = new Set<string>();
    for (const id of ids) if ((await primaryPortOf(id)) === shardPort) onShard.add(id);
    const runs = Promise.all(ids.map((id, i) => drive(id, inputs[i]!, 50)));
    await sleep(200);
    const faultAt = Date.now();
    const down = await cluster.takeShardDown(shardPort, 'frozen');
    await sleep(1500); // the shard stays away a while after the cluster noticed
    const restoredAt = Date.now();
    await cluster.restoreShard(down);
    const healthyAfterMs = Date.now() - restoredAt;
    const done = await runs;
    const away = done.filter((run) => onShard.has(run.id));
    const others = done.filter((run) => !onShard.has(run.id));
    const figures = { onShard: summary(away, faultAt), others: summary(others, faultAt) };
    t.diagnostic(`shard gone: ${JSON.stringify({ sessionsOnShard: away.length, downForMs: restoredAt - faultAt, healthyAfterMs, ...figures })}`);
    assert.ok(away.length > 0 && others.length > 0, 'sessions on the lost shard and on others');
    for (const run of away) assert.ok(run.refusals.some((refusal) => refusal.status === 503), `session ${run.id} saw the shard gone`);
    for (const [i, run] of done.entries()) await assertAsUninterrupted(run, inputs[i]!);
    // Service is back: new sessions (the bookkeeping slot) and steps on every shard.
    const fresh = await createSession();
    assert.equal((await post(b.baseUrl, `/v1/sessions/${fresh}/steps`, { inputs: [[1, 2, 3]] })).status, 200);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

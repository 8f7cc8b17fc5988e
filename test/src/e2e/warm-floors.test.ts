import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBarrier } from '../helpers/barrier.js';
import { probeHandler } from '../helpers/handlers.js';
import { liveWorkersOf, startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';

const managerMemoryMb = 1024;
const workerMb = 128;

/** The workers the managers hold (a destroyed one leaves this list before its process has ended). */
const heldWorkerIds = (nubo: TestNubo) =>
  nubo
    .managers()
    .flatMap((m) => m.liveWorkers().map((w) => w.id))
    .sort();

/** Observes the cluster for `ms`, failing as soon as the set of live workers changes. */
async function assertStable(nubo: TestNubo, ms: number, what: string): Promise<void> {
  const snapshot = () => heldWorkerIds(nubo).join(',');
  const first = snapshot();
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(snapshot(), first, `${what}: a worker was replaced`);
  }
}

const workerIdsOf = (nubo: TestNubo, functionId: string) =>
  nubo
    .managers()
    .flatMap((m) => m.liveWorkers())
    .filter((w) => w.functionId === functionId)
    .map((w) => w.id)
    .sort();

describe('minWarm is a reservation: warm floors never evict each other', () => {
  let nubo: TestNubo;
  let key: string;
  let room: number;
  /** Workers of each of the two floors deployed first: together half the room. */
  let floor: number;
  const ids: Record<string, string> = {};

  before(async () => {
    nubo = await startNubo({
      NUBO_MANAGER_MEMORY_MB: String(managerMemoryMb),
      NUBO_PREWARM_INTERVAL_MS: '100',
      NUBO_REAP_INTERVAL_MS: '200',
    });
    key = await nubo.signup('floors');
    // The managers' room is what this suite tests, not a user's quota (its own test is e2e/quotas).
    const unbounded = await nubo.call('PUT', '/v1/admin/users/floors/quotas', { key, body: { warmMemoryMb: 1_000_000 } });
    assert.equal(unbounded.status, 200, unbounded.text);
    room = (nubo.managers().length * managerMemoryMb) / workerMb;
    floor = room / 4;
  });
  after(() => nubo.close());

  const deploy = (name: string, extra: Record<string, unknown>) =>
    nubo.call('PUT', `/v1/functions/${name}`, {
      key,
      body: {
        runtime: 'node20',
        handler: 'index.handler',
        code: { files: { 'index.mjs': probeHandler } },
        memoryMb: workerMb,
        ...extra,
      },
    });
  const detail = async (name: string) => (await nubo.call('GET', `/v1/functions/${name}`, { key })).body;

  it('keeps floors that fit stable: every prewarm round leaves every worker in place', async () => {
    for (const name of ['alpha', 'beta']) {
      const res = await deploy(name, { minWarm: floor });
      assert.equal(res.status, 201, res.text);
      ids[name] = (await detail(name)).id;
    }
    await eventually('both floors are filled', async () =>
      ['alpha', 'beta'].every((name) => workerIdsOf(nubo, ids[name]!).length === floor),
    );
    assert.equal((await detail('alpha')).warmShortfall, 0);
    await assertStable(nubo, 3000, 'floors that fit (30 prewarm rounds)');
  });

  it('refuses a floor that does not fit with 409 and how much is free, leaving the others untouched', async () => {
    const before = nubo.liveWorkers();
    const freeMb = (room - 2 * floor) * workerMb;
    const res = await deploy('gamma', { minWarm: room - 2 * floor + 1 });
    assert.equal(res.status, 409, res.text);
    assert.equal(res.body.error.code, 'NUBO_ERR_DEPLOY_NO_WARM_CAPACITY');
    assert.match(res.body.error.message, new RegExp(`only ${freeMb} MB and \\d+ workers are free`));
    assert.equal(res.body.error.free.memoryMb, freeMb);
    assert.equal((await nubo.call('GET', '/v1/functions/gamma', { key })).status, 404, 'nothing was deployed');
    assert.equal(nubo.liveWorkers(), before);
    // A function's own floor is not counted against its new one: alpha may grow into what is free.
    const grown = await deploy('alpha', { minWarm: floor + 1 });
    assert.equal(grown.status, 200, grown.text);
    await eventually('alpha has its bigger floor', async () => workerIdsOf(nubo, ids.alpha!).length === floor + 1);
    const back = await deploy('alpha', { minWarm: floor });
    assert.equal(back.status, 200, back.text);
  });

  it('lets an invocation evict an idle worker above its floor (least recently used), never one within a floor', async () => {
    await eventually('alpha is back to its floor', async () => workerIdsOf(nubo, ids.alpha!).length === floor);
    const floors = { alpha: workerIdsOf(nubo, ids.alpha!), beta: workerIdsOf(nubo, ids.beta!) };
    // Fill the rest of the room with busy workers of a function without a floor; they go idle after.
    const burst = room - 2 * floor;
    assert.equal((await deploy('bursty', { timeoutMs: 20_000 })).status, 201);
    ids.bursty = (await detail('bursty')).id;
    const barrier = await startBarrier(burst + 1, await nubo.hostSeenByWorkers());
    after(() => barrier.close());
    const busy = Array.from({ length: burst }, () => nubo.invoke(key, 'bursty', { barrier: barrier.url }));
    await eventually('the room is full', async () => (await liveWorkersOf(nubo, key, 'bursty')) === burst);
    await fetch(barrier.url);
    assert.ok((await Promise.all(busy)).every((res) => res.status === 200));

    assert.equal((await deploy('newcomer', {})).status, 201, 'its probe start made room by evicting');
    const res = await nubo.invoke(key, 'newcomer', {});
    assert.equal(res.status, 200, res.text);
    assert.ok((await liveWorkersOf(nubo, key, 'bursty')) < burst, 'a worker above its floor was evicted');
    assert.deepEqual(workerIdsOf(nubo, ids.alpha!), floors.alpha, "alpha's floor is untouched");
    assert.deepEqual(workerIdsOf(nubo, ids.beta!), floors.beta, "beta's floor is untouched");
    const metrics = (await nubo.call('GET', '/metrics')).text;
    const evicted = [...metrics.matchAll(/nubo_worker_evictions_total\{reason="room",manager="[^"]+"\} (\d+)/g)].reduce(
      (sum, match) => sum + Number(match[1]),
      0,
    );
    assert.ok(evicted >= 1, metrics);
  });

  it('reports a floor the running workers leave no room for, evicting nothing, and fills it when room returns', async () => {
    // bursty's and newcomer's idle workers hold the rest of the room. delta's floor fits the
    // reservations but not what runs: prewarming evicts nothing, so delta is short until room returns.
    const floors = { alpha: workerIdsOf(nubo, ids.alpha!), beta: workerIdsOf(nubo, ids.beta!) };
    const deltaFloor = room - 2 * floor;
    const res = await deploy('delta', { minWarm: deltaFloor });
    assert.equal(res.status, 201, res.text);
    ids.delta = (await detail('delta')).id;
    // The deploy's probe (a real start) may evict one idle worker above its floor; prewarming evicts none.
    const short = await eventually('delta reports its shortfall', async () => {
      const { warmShortfall } = await detail('delta');
      // Settled: every free slot filled (the room is full, in the managers' lists and in running
      // processes alike: a worker the probe's start evicted may still be ending), and what delta lacks is reported.
      const full = nubo.liveWorkers() === room && heldWorkerIds(nubo).length === room;
      const settled = full && warmShortfall + workerIdsOf(nubo, ids.delta!).length === deltaFloor;
      return settled && warmShortfall > 0 && warmShortfall;
    });
    await eventually('the gauge shows it', async () =>
      new RegExp(`nubo_warm_floor_shortfall\\{function="floors/delta"\\} ${short}`).test(
        (await nubo.call('GET', '/metrics')).text,
      ),
    );
    await assertStable(nubo, 1500, 'a short floor (15 prewarm rounds) evicts nothing');

    // Room returns: the functions above their floors go away, and delta's floor is filled.
    for (const name of ['bursty', 'newcomer'])
      assert.equal((await nubo.call('DELETE', `/v1/functions/${name}`, { key })).status, 204);
    await eventually(
      'delta is filled once room returns',
      async () => workerIdsOf(nubo, ids.delta!).length === deltaFloor && (await detail('delta')).warmShortfall === 0,
    );
    // Each gateway reports what its own rounds saw: ask them all (calls without a key take turns).
    await eventually('no gateway reports the shortfall any more', async () => {
      const reports = [await nubo.call('GET', '/metrics'), await nubo.call('GET', '/metrics')];
      return reports.every((res) => !/nubo_warm_floor_shortfall\{function="floors\/delta"\}/.test(res.text));
    });
    assert.deepEqual(workerIdsOf(nubo, ids.alpha!), floors.alpha);
    assert.deepEqual(workerIdsOf(nubo, ids.beta!), floors.beta);

    // Now all the room is floors: nothing is evictable, so a cold start answers 503 and takes nothing.
    const refused = await deploy('latecomer', {});
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.body.error.code, 'NUBO_ERR_MANAGER_NO_CAPACITY');
    await assertStable(nubo, 1000, 'full floors');
    assert.deepEqual(workerIdsOf(nubo, ids.alpha!), floors.alpha);
  });
});

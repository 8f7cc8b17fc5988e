import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startBarrier } from '../helpers/barrier.js';
import { startCounter } from '../helpers/counter.js';
import { probeHandler, versionHandler } from '../helpers/handlers.js';
import { liveWorkersOf, startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';

const recordOf = async (nubo: TestNubo, key: string, requestId: string | null) =>
  (await nubo.call('GET', `/v1/invocations/${requestId}`, { key })).body;

describe('scaling and lifecycle', () => {
  it('serves a storm of 200 requests on a function with no worker with at most maxConcurrency workers', async () => {
    const nubo = await startNubo({ NUBO_MANAGER_MAX_STARTS: '3' });
    after(() => nubo.close());
    const key = await nubo.signup('storm');
    await nubo.deploy(key, 'storm', { 'index.mjs': probeHandler }, { maxConcurrency: 10, timeoutMs: 60_000 });
    const responses = await Promise.all(Array.from({ length: 200 }, () => nubo.invoke(key, 'storm', { sleepMs: 20 })));
    assert.ok(
      responses.every((res) => res.status === 200 && res.body.wasBusy === false),
      responses.find((res) => res.status !== 200)?.text,
    );
    assert.ok(new Set(responses.map((res) => res.body.worker)).size <= 10, 'never more workers than maxConcurrency');
    for (const manager of nubo.managers())
      assert.ok(manager.load().peakStarting <= 3, `a manager ran ${manager.load().peakStarting} starts at once; its limit is 3`);
    const logs = (await nubo.call('GET', '/v1/functions/storm/logs?limit=1000', { key })).body;
    assert.deepEqual(
      logs.map((r: any) => r.requestId).sort(),
      responses.map((res) => res.headers.get('x-nubo-request-id')).sort(),
      'one record per request',
    );
    assert.ok(logs.filter((r: any) => r.cold).length <= 10);
    assert.ok(
      logs.some((r: any) => r.status === 'ok' && !r.cold && r.queueMs > 0),
      'requests that waited for a worker show their queue time',
    );
  });

  it('keeps minWarm idle workers ready for the active version and restores them', async () => {
    const nubo = await startNubo({ NUBO_PREWARM_INTERVAL_MS: '200' });
    after(() => nubo.close());
    const key = await nubo.signup('warm');
    await nubo.deploy(key, 'warm', { 'index.mjs': probeHandler }, { minWarm: 2, timeoutMs: 20_000 });
    await eventually('two workers are prewarmed', async () => (await liveWorkersOf(nubo, key, 'warm')) === 2);
    const first = await nubo.invoke(key, 'warm');
    assert.equal(first.headers.get('x-nubo-cold-start'), 'false', 'the first call finds a prewarmed worker');

    // A worker that crashes during a call is replaced.
    const crashed = await nubo.invoke(key, 'warm', { crash: true });
    assert.equal(crashed.status, 502);
    const crashedId = (await recordOf(nubo, key, crashed.headers.get('x-nubo-request-id'))).workerId;
    await eventually(
      'the crashed worker is replaced',
      async () => (await liveWorkersOf(nubo, key, 'warm')) >= 2 && !nubo.workerRunning(crashedId),
    );

    // A deploy moves the warm workers to the new version.
    await nubo.deploy(key, 'warm', { 'index.mjs': versionHandler('two') }, { minWarm: 2 });
    await eventually(
      'the new version has two warm workers and the old none',
      async () => (await liveWorkersOf(nubo, key, 'warm')) === 2 && nubo.liveWorkers() === 2,
    );
    const next = await nubo.invoke(key, 'warm');
    assert.deepEqual([next.body, next.headers.get('x-nubo-cold-start')], [{ tag: 'two' }, 'false']);
  });

  it('reaps idle workers past their TTL down to minWarm, not below', async () => {
    // Prewarming only right after the deploy, so every worker left standing is one the reaper kept.
    const nubo = await startNubo({ NUBO_REAP_INTERVAL_MS: '100', NUBO_PREWARM_INTERVAL_MS: '3600000' });
    after(() => nubo.close());
    const key = await nubo.signup('keeper');
    await nubo.deploy(key, 'keep', { 'index.mjs': probeHandler }, { minWarm: 2, idleTtlMs: 1000, timeoutMs: 20_000 });
    await eventually('two workers are prewarmed', async () => (await liveWorkersOf(nubo, key, 'keep')) === 2);
    const barrier = await startBarrier(3, await nubo.hostSeenByWorkers());
    after(() => barrier.close());
    const three = await Promise.all([1, 2, 3].map(() => nubo.invoke(key, 'keep', { barrier: barrier.url })));
    const threeWorkers = new Set(three.map((res) => res.body.worker));
    assert.equal(threeWorkers.size, 3);
    await eventually(
      'the reaper takes the idle worker above minWarm',
      async () => (await liveWorkersOf(nubo, key, 'keep')) === 2,
    );
    const pair = await startBarrier(2, await nubo.hostSeenByWorkers());
    after(() => pair.close());
    const kept = await Promise.all([1, 2].map(() => nubo.invoke(key, 'keep', { barrier: pair.url })));
    assert.ok(
      kept.every((res) => res.headers.get('x-nubo-cold-start') === 'false' && threeWorkers.has(res.body.worker)),
      'two of the three workers are still there',
    );
  });

  it('scales to zero past idleTtlMs and never kills a worker that is serving', async () => {
    const nubo = await startNubo({ NUBO_REAP_INTERVAL_MS: '100' });
    after(() => nubo.close());
    const key = await nubo.signup('idle');
    await nubo.deploy(key, 'idle', { 'index.mjs': probeHandler }, { idleTtlMs: 1000, timeoutMs: 20_000 });
    await nubo.invoke(key, 'idle');
    // Its idle TTL runs out while it serves this call: the reaper must leave it alone.
    const long = await nubo.invoke(key, 'idle', { sleepMs: 2500 });
    assert.equal(long.status, 200, long.text);
    assert.equal(long.body.calls, 2, 'the same worker served both calls');
    await eventually('no worker is left', async () => (await liveWorkersOf(nubo, key, 'idle')) === 0 && nubo.liveWorkers() === 0);
    const again = await nubo.invoke(key, 'idle');
    assert.equal(again.headers.get('x-nubo-cold-start'), 'true');
  });

  it('sends no request to the old version once a deploy has returned, under steady load', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const key = await nubo.signup('rollover');
    await nubo.deploy(key, 'roll', { 'index.mjs': versionHandler('one') });
    let deployedAt = Infinity;
    let stop = false;
    const late: string[] = [];
    const statuses: number[] = [];
    const loop = async () => {
      while (!stop) {
        const sentAt = performance.now();
        const res = await nubo.invoke(key, 'roll');
        statuses.push(res.status);
        if (sentAt > deployedAt && res.body?.tag !== 'two') late.push(res.text);
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await eventually('the load has started', async () => statuses.length >= 50);
    await nubo.deploy(key, 'roll', { 'index.mjs': versionHandler('two') });
    deployedAt = performance.now();
    const atDeploy = statuses.length;
    await eventually('the load ran on after the deploy', async () => statuses.length >= atDeploy + 100);
    stop = true;
    await Promise.all(loops);
    assert.deepEqual(late, [], 'requests sent after the deploy returned ran the old version');
    assert.ok(
      statuses.every((status) => status === 200),
      `failed during the rollover: ${statuses.filter((s) => s !== 200).join(', ')}`,
    );
    await eventually(
      'only workers of the new version are left',
      async () => nubo.liveWorkers() === (await liveWorkersOf(nubo, key, 'roll')),
    );
  });

  it('retries a call that never reached its worker, and never one that did', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const counter = await startCounter(await nubo.hostSeenByWorkers());
    after(() => counter.close());
    const key = await nubo.signup('counted');
    const counted = `export const handler = async (event) => {
      await fetch(${JSON.stringify(counter.url)} + event.id);
      if (event.crash) process.exit(1);
      return { ran: event.id };
    };`;
    await nubo.deploy(key, 'counted', { 'index.mjs': counted });

    const crashed = await nubo.invoke(key, 'counted', { id: 'after-send', crash: true });
    assert.equal(crashed.status, 502);
    assert.equal(crashed.body.error.code, 'NUBO_ERR_INVOKE_CRASH');
    assert.equal(counter.count('after-send'), 1, 'a call that reached its worker is not retried');

    const warm = await nubo.invoke(key, 'counted', { id: 'warm-up' });
    const { workerId } = await recordOf(nubo, key, warm.headers.get('x-nubo-request-id'));
    await nubo.killWorker(workerId);
    const retried = await nubo.invoke(key, 'counted', { id: 'before-send' });
    assert.equal(retried.status, 200, retried.text);
    assert.equal(counter.count('before-send'), 1, 'the retry on a fresh worker ran the handler once');
    const record = await recordOf(nubo, key, retried.headers.get('x-nubo-request-id'));
    assert.deepEqual([record.status, record.cold], ['ok', true]);
    assert.notEqual(record.workerId, workerId);
    const logs = (await nubo.call('GET', '/v1/functions/counted/logs', { key })).body;
    assert.equal(logs.length, 3, 'one record per invocation, retried or not');
  });

  it("places workers within each manager's memory, evicts idle ones for others, and says when there is no room", async () => {
    const nubo = await startNubo({ NUBO_MANAGER_MEMORY_MB: '300', NUBO_MAX_QUEUE_WAIT_MS: '20000' });
    after(() => nubo.close());
    const room = nubo.managers().length * 2;
    const key = await nubo.signup('tenant');
    await nubo.deploy(key, 'big', { 'index.mjs': probeHandler }, { memoryMb: 128, timeoutMs: 20_000 });
    await nubo.deploy(key, 'other', { 'index.mjs': probeHandler }, { memoryMb: 128, timeoutMs: 20_000 });
    assert.equal(nubo.liveWorkers(), 0);

    // Every manager fits two 128 MB workers in 300 MB: hold them all busy.
    const barrier = await startBarrier(room + 1, await nubo.hostSeenByWorkers());
    after(() => barrier.close());
    const busy = Array.from({ length: room }, () => nubo.invoke(key, 'big', { barrier: barrier.url }));
    await eventually('every manager is full', async () => (await liveWorkersOf(nubo, key, 'big')) === room);
    const refused = await nubo.invoke(key, 'other');
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.body.error.code, 'NUBO_ERR_MANAGER_NO_CAPACITY');
    assert.match(refused.body.error.message, /no room for another 128 MB worker/);
    assert.equal((await recordOf(nubo, key, refused.headers.get('x-nubo-request-id'))).status, 'rejected');

    // A function with busy workers of its own waits for one of them instead.
    const queued = nubo.invoke(key, 'big', {});
    await eventually('the request waits for a worker of its own', async () =>
      /nubo_invocations_waiting_for_room 1/.test((await nubo.call('GET', '/metrics')).text),
    );
    await fetch(barrier.url);
    assert.ok((await Promise.all(busy)).every((res) => res.status === 200));
    const served = await queued;
    assert.equal(served.status, 200, served.text);
    assert.equal(served.headers.get('x-nubo-cold-start'), 'false');

    // Now the workers are idle: another function's cold start evicts one.
    const evicting = await nubo.invoke(key, 'other');
    assert.equal(evicting.status, 200, evicting.text);
    assert.equal(await liveWorkersOf(nubo, key, 'big'), room - 1);
    assert.equal(nubo.liveWorkers(), room);
  });
});

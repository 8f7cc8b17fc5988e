import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { probeHandler } from '../helpers/handlers.js';
import { startBarrier } from '../helpers/barrier.js';
import { liveWorkersOf, startNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';

describe('concurrent invocations', () => {
  it('never share a worker, log each request once, and start no more workers than requests in flight', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const key = await nubo.signup('alice');
    await nubo.deploy(key, 'busy', { 'index.mjs': probeHandler }, { timeoutMs: 20_000 });
    let inFlight = 0;
    let peakInFlight = 0;
    let violations = 0;
    const wave = async () => {
      // Every handler waits at the barrier until all 30 are running, so all 30 are in flight at once.
      const barrier = await startBarrier(30, await nubo.hostSeenByWorkers());
      after(() => barrier.close());
      return Promise.all(
        Array.from({ length: 30 }, async () => {
          inFlight += 1;
          peakInFlight = Math.max(peakInFlight, inFlight);
          try {
            return await nubo.invoke(key, 'busy', { barrier: barrier.url });
          } finally {
            if (nubo.liveWorkers() > peakInFlight) violations += 1;
            inFlight -= 1;
          }
        }),
      );
    };

    const first = await wave();
    for (const res of first) {
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.wasBusy, false, 'a worker got a request while busy');
    }
    const workers = new Set(first.map((res) => res.body.worker));
    assert.equal(workers.size, 30, '30 requests in flight at once need 30 workers');
    assert.equal(violations, 0, 'never more workers than requests in flight');

    const second = await wave();
    assert.ok(second.every((res) => res.status === 200 && res.body.wasBusy === false));
    assert.ok(
      second.every((res) => res.headers.get('x-nubo-cold-start') === 'false'),
      'the second wave reuses the idle workers',
    );
    assert.ok(second.every((res) => workers.has(res.body.worker)));
    assert.equal(nubo.liveWorkers(), 30);

    const logs = await nubo.call('GET', '/v1/functions/busy/logs?limit=1000', { key });
    const ids = [...first, ...second].map((res) => res.headers.get('x-nubo-request-id'));
    assert.equal(logs.body.length, 60);
    assert.deepEqual(logs.body.map((r: any) => r.requestId).sort(), ids.sort(), 'exactly one record per request');
    assert.equal(logs.body.filter((r: any) => r.cold).length, 30);
  });

  it('queues at maxConcurrency and answers 429 when no worker frees up in time', async () => {
    const nubo = await startNubo({ NUBO_MAX_QUEUE_WAIT_MS: '300' });
    after(() => nubo.close());
    const key = await nubo.signup('alice');
    await nubo.deploy(key, 'capped', { 'index.mjs': probeHandler }, { maxConcurrency: 2, timeoutMs: 10_000 });
    // Two calls hold both workers until the test lets them go.
    const holders = [nubo.invoke(key, 'capped', { sleepMs: 3000 }), nubo.invoke(key, 'capped', { sleepMs: 3000 })];
    await eventually('both workers are busy', async () => (await liveWorkersOf(nubo, key, 'capped')) >= 2);
    const rejected = await nubo.invoke(key, 'capped', {});
    assert.equal(rejected.status, 429, rejected.text);
    assert.equal(rejected.body.error.code, 'NUBO_ERR_INVOKE_AT_CAPACITY');
    const held = await Promise.all(holders);
    assert.ok(held.every((res) => res.status === 200 && res.body.wasBusy === false));
    const record = (await nubo.call('GET', `/v1/invocations/${rejected.headers.get('x-nubo-request-id')}`, { key })).body;
    assert.equal(record.status, 'rejected');
    assert.ok(record.queueMs > 0);
  });

  it('queues requests at maxConcurrency until a worker comes back', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const key = await nubo.signup('alice');
    await nubo.deploy(key, 'capped', { 'index.mjs': probeHandler }, { maxConcurrency: 2, timeoutMs: 20_000 });
    const queued = await Promise.all(Array.from({ length: 6 }, () => nubo.invoke(key, 'capped', { sleepMs: 50 })));
    assert.ok(
      queued.every((res) => res.status === 200 && res.body.wasBusy === false),
      queued.map((r) => r.text).join('\n'),
    );
    assert.ok(new Set(queued.map((res) => res.body.worker)).size <= 2);
  });
});

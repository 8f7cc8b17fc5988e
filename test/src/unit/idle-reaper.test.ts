import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolKey, type WorkerInfo } from '@nubo/core';
import { workerSecretHeader } from '@nubo/runtime';
import { startLocalManager } from '../helpers/local-manager.js';
import { processAlive } from '../helpers/nubo.js';
import { workerFetch } from '../helpers/worker-fetch.js';

describe('idle reaper', () => {
  it('destroys idle workers past their TTL and never a busy one', async () => {
    const { manager, sandbox, pool, specFor } = await startLocalManager();
    const spec = await specFor(
      { 'index.mjs': 'export const handler = async () => process.pid;' },
      { runtime: 'node20', idleTtlMs: 1000 },
    );
    const key = poolKey('f', 1);
    const opts = { leaseMs: 60_000, maxWorkers: 10, waitMs: 0 };

    const pidOf = async (worker: WorkerInfo) =>
      (
        (await (
          await workerFetch(worker.address, '/invoke', {
            method: 'POST',
            headers: { [workerSecretHeader]: worker.secret },
            body: '{}',
          })
        ).json()) as { result: number }
      ).result;
    const adoptNew = async () => {
      const slot = await pool.acquire(key, opts);
      const worker = await manager.startWorker(spec);
      await pool.adopt(key, slot.kind === 'cold' ? slot.ticket : '', worker, 60_000);
      return worker;
    };
    const idle = await adoptNew();
    const busy = await adoptNew();
    const idlePid = await pidOf(idle);
    const busyPid = await pidOf(busy);
    await pool.giveBack(idle);

    assert.equal(await manager.reapIdle(Date.now()), 0, 'nothing is past its TTL yet');
    assert.equal(await manager.reapIdle(Date.now() + 5000), 1);
    assert.equal(processAlive(idlePid), false, 'the idle worker is gone');
    assert.equal(processAlive(busyPid), true, 'the busy worker, held past its TTL, is still serving');
    assert.equal(await pidOf(busy), busyPid);

    await pool.giveBack(busy);
    assert.equal(await manager.reapIdle(Date.now() + 5000), 1);
    assert.equal(processAlive(busyPid), false);
    assert.deepEqual(sandbox.running(), []);
  });
});

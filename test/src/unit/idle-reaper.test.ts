import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bundleFromFiles, createLogger, poolKey, type WorkerInfo, type WorkerSpec } from '@nubo/core';
import { workerSecretHeader } from '@nubo/runtime';
import { CodeCache, Manager, ProcessSandbox } from '@nubo/manager';
import { MemoryWorkerPool } from '@nubo/pool';
import { FsCodeStore } from '@nubo/stores';
import { processAlive } from '../helpers/nubo.js';
import { workerFetch } from '../helpers/worker-fetch.js';
import { tempDir } from '../helpers/temp-dir.js';

describe('idle reaper', () => {
  it('destroys idle workers past their TTL and never a busy one', async () => {
    const dir = await tempDir();
    const logger = createLogger({ level: 'silent' });
    const codeStore = new FsCodeStore(join(dir, 'code'));
    const sandbox = new ProcessSandbox({ workDir: join(dir, 'workers'), logger, isolation: null });
    const pool = new MemoryWorkerPool();
    const manager = new Manager({
      id: 'm',
      sandbox,
      pool,
      logger,
      reapIntervalMs: 60_000,
      capacity: { workers: 100, memoryMb: 100_000 },
      maxConcurrentStarts: 8,
      codeCache: new CodeCache({ dir: join(dir, 'cache'), store: codeStore, limits: { maxBytes: 1e7, maxUnzippedBytes: 1e8 } }),
    });
    after(() => manager.stop());
    const digest = await codeStore.put(
      bundleFromFiles(
        { 'index.mjs': 'export const handler = async () => process.pid;' },
        { maxBytes: 1e6, maxUnzippedBytes: 1e6 },
      ).zip,
    );
    const spec: WorkerSpec = {
      functionId: 'f',
      functionName: 'f',
      version: 1,
      runtime: 'node20',
      network: 'egress',
      handler: 'index.handler',
      codeDigest: digest,
      env: {},
      memoryMb: 128,
      timeoutMs: 1000,
      idleTtlMs: 1000,
      minWarm: 0,
    };
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

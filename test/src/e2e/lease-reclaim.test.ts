import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger, poolKey } from '@nubo/core';
import { workerSecretHeader } from '@nubo/runtime';
import { EgressPolicy, decideIsolation, sandboxDirs, type ProcessIsolation } from '@nubo/manager';
import { startLocalManager } from '../helpers/local-manager.js';
import { tempDir } from '../helpers/temp-dir.js';
import { workerFetch } from '../helpers/worker-fetch.js';

const logger = createLogger({ level: 'silent' });

/**
 * A worker whose taker died without giving it back (its lease ran out) goes back to the pool when
 * it still answers, in either sandbox mode: over TCP (plain processes) and on the Unix socket of an
 * isolated worker, which the health check once could not reach, so healthy isolated workers were destroyed.
 */
describe('reclaiming a worker whose lease ran out', () => {
  let isolation: ProcessIsolation | null = null;
  let dirs: Awaited<ReturnType<typeof sandboxDirs>> | undefined;

  before(async () => {
    dirs = await sandboxDirs(await tempDir(), 'lease-reclaim', true);
    isolation = (
      await decideIsolation({ mode: 'required', managerId: 'lease-reclaim', dirs, egress: new EgressPolicy() }, logger)
    ).isolation;
  });
  after(() => dirs?.remove());

  for (const mode of ['isolated', 'plain'] as const) {
    it(`gives a healthy ${mode} worker back to the pool and destroys one that no longer answers`, async () => {
      const { manager, sandbox, pool, specFor } = await startLocalManager(mode === 'isolated' ? isolation : null);
      const spec = await specFor({ 'index.mjs': 'export const handler = async () => "alive";' }, { network: 'none' });
      const key = poolKey('f', 1);
      const leaseMs = 1000;
      // Two takers that die holding their workers.
      const takeNew = async () => {
        const slot = await pool.acquire(key, { leaseMs, maxWorkers: 10, waitMs: 0 });
        assert.equal(slot.kind, 'cold');
        const worker = await manager.startWorker(spec);
        await pool.adopt(key, slot.kind === 'cold' ? slot.ticket : '', worker, leaseMs);
        return worker;
      };
      const healthy = await takeNew();
      const dead = await takeNew();
      assert.equal(healthy.address.startsWith('unix:'), mode === 'isolated', 'isolated workers are reached on their socket');
      // The other ends behind its manager's back.
      await sandbox.destroy(dead.id);

      assert.equal(await manager.reclaimLeases(Date.now() + 60_000), 2);
      const again = await pool.acquire(key, { leaseMs, maxWorkers: 10, waitMs: 0 });
      assert.equal(again.kind, 'warm', 'the healthy worker is in the pool again');
      assert.equal(again.kind === 'warm' && again.worker.id, healthy.id);
      const answer = await workerFetch(healthy.address, '/invoke', {
        method: 'POST',
        headers: { [workerSecretHeader]: healthy.secret },
        body: JSON.stringify({ event: {}, context: { requestId: 'r', deadlineMs: Date.now() + 1000 } }),
      });
      assert.equal(((await answer.json()) as { result: string }).result, 'alive', 'and it serves');
      assert.deepEqual(
        manager.liveWorkers().map((w) => w.id),
        [healthy.id],
        'the one that no longer answered was destroyed',
      );
    });
  }
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerSecretHeader } from '@nubo/runtime';
import { bundleFromFiles, type CodeStore, type ManagerClient, type WorkerSpec } from '@nubo/core';
import { workerFetch } from '../helpers/worker-fetch.js';

export interface ManagerClientFixture {
  client: ManagerClient;
  codeStore: CodeStore;
}

/** Every ManagerClient adapter must pass this suite unchanged. */
export function managerClientConformance(adapter: string, create: () => Promise<ManagerClientFixture>): void {
  describe(`ManagerClient conformance: ${adapter}`, () => {
    it('starts a worker and answers an address the caller reaches directly, then destroys it', async () => {
      const { client, codeStore } = await create();
      const bundle = bundleFromFiles(
        { 'index.mjs': 'export const handler = async (e) => ({ doubled: e.n * 2 });' },
        { maxBytes: 1e6, maxUnzippedBytes: 1e6 },
      );
      const spec: WorkerSpec = {
        functionId: 'fn_mc',
        functionName: 'mc',
        version: 1,
        runtime: 'node20',
        network: 'egress',
        handler: 'index.handler',
        codeDigest: await codeStore.put(bundle.zip),
        env: {},
        memoryMb: 128,
        timeoutMs: 5000,
        idleTtlMs: 60_000,
        minWarm: 0,
      };
      const worker = await client.startWorker(spec);
      assert.match(worker.address, /^([\d.]+:\d+|unix:\/.+)$/);
      assert.equal(worker.functionId, 'fn_mc');
      assert.equal(worker.version, 1);
      assert.ok(worker.initMs > 0);
      assert.ok(worker.managerId.length > 0);
      const call = (headers: Record<string, string>) =>
        workerFetch(worker.address, '/invoke', { method: 'POST', headers, body: JSON.stringify({ event: { n: 21 } }) });
      assert.equal((await call({})).status, 401, 'the address alone is not enough');
      const res = await call({ [workerSecretHeader]: worker.secret });
      assert.deepEqual(((await res.json()) as any).result, { doubled: 42 });
      await client.destroyWorker(worker);
      await assert.rejects(workerFetch(worker.address, '/healthz'));
      await client.close();
    });
  });
}

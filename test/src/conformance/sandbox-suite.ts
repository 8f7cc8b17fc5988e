import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WorkerInitError, isNodeRuntime, type Sandbox, type WorkerSpec } from '@nubo/core';
import { workerSecretHeader } from '@nubo/runtime';
import { tempDir } from '../helpers/temp-dir.js';
import { workerFetch } from '../helpers/worker-fetch.js';

/** Every Sandbox adapter must pass this suite unchanged. */
export function sandboxConformance(adapter: string, create: () => Promise<Sandbox>): void {
  const spec = (overrides: Partial<WorkerSpec> = {}): WorkerSpec => ({
    functionId: 'fn_1',
    functionName: 'probe',
    version: 3,
    runtime: 'node20',
    handler: 'index.handler',
    codeDigest: 'd'.repeat(64),
    env: { ONLY_THIS: 'yes' },
    network: 'egress',
    memoryMb: 128,
    timeoutMs: 5000,
    idleTtlMs: 60_000,
    minWarm: 0,
    ...overrides,
  });

  async function codeDir(source: string): Promise<string> {
    const dir = join(await tempDir('nubo-sandbox-code-'), 'code');
    await mkdir(dir);
    await writeFile(join(dir, 'index.mjs'), source);
    return dir;
  }

  /** What the manager would hand the sandbox; every call below must carry it. */
  const secret = 'conformance-worker-secret';

  async function invoke(address: string, event: unknown, presented: string | null = secret) {
    const res = await workerFetch(address, '/invoke', {
      method: 'POST',
      headers: presented === null ? {} : { [workerSecretHeader]: presented },
      body: JSON.stringify({ event, context: { requestId: 'r1', deadlineMs: Date.now() + 5000 } }),
    });
    return (await res.json()) as any;
  }

  describe(`Sandbox conformance: ${adapter}`, () => {
    it('starts a ready worker that serves the runtime protocol with only the function env', async () => {
      const sandbox = await create();
      const dir = await codeDir(
        'export const handler = async (e, ctx) => ({ e, env: process.env, v: ctx.functionVersion, name: ctx.functionName });',
      );
      process.env.NUBO_PLATFORM_SECRET = 'must-not-leak';
      const w = await sandbox.start({ workerId: 'w-env', spec: spec(), codeDir: dir, secret });
      assert.deepEqual(sandbox.running(), ['w-env']);
      const reply = await invoke(w.address, { a: 1 });
      assert.equal(reply.ok, true);
      assert.deepEqual(reply.result.e, { a: 1 });
      assert.equal(reply.result.env.ONLY_THIS, 'yes');
      assert.equal(reply.result.env.NUBO_PLATFORM_SECRET, undefined);
      assert.equal(reply.result.v, '3');
      assert.equal(reply.result.name, 'probe');
      assert.ok(reply.memoryMb > 0);
      assert.equal(reply.result.env.NUBO_WORKER_SECRET, undefined, 'the handler does not see the secret in its environment');
      const health = await workerFetch(w.address, '/healthz', { headers: { [workerSecretHeader]: secret } });
      assert.equal(health.status, 200);
      const exit = await sandbox.destroy('w-env');
      assert.equal(exit?.exitedByItself, false);
      assert.deepEqual(sandbox.running(), []);
      await assert.rejects(workerFetch(w.address, '/healthz'));
    });

    it('answers only calls that carry its secret, and runs nothing for the others', async () => {
      const sandbox = await create();
      const dir = await codeDir('let runs = 0; export const handler = async () => ++runs;');
      const w = await sandbox.start({ workerId: 'w-secret', spec: spec(), codeDir: dir, secret });
      for (const presented of [null, '', 'wrong', `${secret}x`, secret.slice(0, -1)]) {
        const res = await workerFetch(w.address, '/invoke', {
          method: 'POST',
          headers: presented === null ? {} : { [workerSecretHeader]: presented },
          body: JSON.stringify({ event: {}, context: { requestId: 'r', deadlineMs: Date.now() + 5000 } }),
        });
        assert.equal(res.status, 401, `a call with secret ${JSON.stringify(presented)} is refused`);
        assert.equal(((await res.json()) as any).error.type, 'Unauthorized');
        const health = await workerFetch(w.address, '/healthz', {
          headers: presented === null ? {} : { [workerSecretHeader]: presented },
        });
        assert.equal(health.status, 401);
      }
      const reply = await invoke(w.address, {});
      assert.equal(reply.result, 1, 'the refused calls ran nothing; the platform call is the first run');
      await sandbox.destroy('w-secret');
    });

    it('runs every node runtime it offers (node22 and node24 among them) on its own Node.js release', async () => {
      const sandbox = await create();
      const nodeRuntimes = sandbox.runtimes.filter(isNodeRuntime);
      assert.deepEqual(nodeRuntimes, ['node20', 'node22', 'node24']);
      const dir = await codeDir('export const handler = async () => process.versions.node;');
      for (const runtime of nodeRuntimes) {
        const w = await sandbox.start({ workerId: `w-${runtime}`, spec: spec({ runtime }), codeDir: dir, secret });
        const reply = await invoke(w.address, {});
        assert.equal(`node${reply.result.split('.')[0]}`, runtime);
        await sandbox.destroy(`w-${runtime}`);
      }
    });

    it('fails to start with the init error when the handler cannot load', async () => {
      const sandbox = await create();
      const dir = await codeDir('export const other = 1;');
      await assert.rejects(
        sandbox.start({ workerId: 'w-bad', spec: spec(), codeDir: dir, secret }),
        (err) => err instanceof WorkerInitError && err.failure.type === 'HandlerExportMissing',
      );
      assert.deepEqual(sandbox.running(), [], 'nothing is left running');
    });

    it('fails to start with Runtime.ExitError and the exit code when loading the handler ends the process', async () => {
      const sandbox = await create();
      const dir = await codeDir('process.exit(3); export const handler = async () => 1;');
      await assert.rejects(
        sandbox.start({ workerId: 'w-exits', spec: spec(), codeDir: dir, secret }),
        (err) => err instanceof WorkerInitError && err.failure.type === 'Runtime.ExitError' && /exit code 3/.test(err.message),
      );
      assert.deepEqual(sandbox.running(), [], 'nothing is left running');
    });

    it('reports a worker that ended by itself', async () => {
      const sandbox = await create();
      const dir = await codeDir('export const handler = async () => process.exit(7);');
      const ended = new Promise<string>((resolve) => sandbox.onUnexpectedExit((id) => resolve(id)));
      const w = await sandbox.start({ workerId: 'w-exit', spec: spec(), codeDir: dir, secret });
      await invoke(w.address, {}).catch(() => null);
      assert.equal(await ended, 'w-exit');
      const exit = await sandbox.destroy('w-exit');
      assert.equal(exit?.exitedByItself, true);
      assert.equal(exit?.exitCode, 7);
      assert.deepEqual(sandbox.running(), []);
    });

    it('destroys every worker at once', async () => {
      const sandbox = await create();
      const dir = await codeDir('export const handler = async () => 1;');
      await Promise.all(['a', 'b', 'c'].map((id) => sandbox.start({ workerId: id, spec: spec(), codeDir: dir, secret })));
      assert.equal(sandbox.running().length, 3);
      await sandbox.destroyAll();
      assert.deepEqual(sandbox.running(), []);
    });
  });
}

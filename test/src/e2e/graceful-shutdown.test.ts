import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createLogger } from '@nubo/core';
import { RedisManagerRegistry, connectRedis } from '@nubo/pool';
import { PoolInspector } from '../helpers/pool-inspector.js';
import { freePort, startDistributedStack } from '../helpers/distributed-stack.js';
import { probeHandler } from '../helpers/handlers.js';
import { call, type HttpResult } from '../helpers/http.js';
import { sandboxKind, stackKind } from '../helpers/nubo.js';
import { managerWorkerProcesses } from '../helpers/worker-processes.js';
import { eventually, startNuboProcess, type Child } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

const silent = createLogger({ level: 'silent' });

/** Workers of one manager still running after it stopped: processes in its cgroups, or containers by label. */
async function leftovers(managerId: string): Promise<string[]> {
  if (sandboxKind === 'docker') {
    const { default: Docker } = await import('dockerode');
    const containers = await new Docker().listContainers({ all: true, filters: { label: [`nubo.manager=${managerId}`] } });
    return containers.map((c) => c.Id);
  }
  return managerWorkerProcesses(managerId).map(String);
}

async function setUp(url: string) {
  const key = (await call(url, 'POST', '/v1/auth/signup', { body: { username: 'ops', password: 'password123' } })).body
    .apiKey as string;
  const deployed = await call(url, 'PUT', '/v1/functions/probe', {
    key,
    body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': probeHandler } }, timeoutMs: 20_000 },
  });
  assert.equal(deployed.status, 201, deployed.text);
  return key;
}

const invoke = (url: string, key: string, event: unknown) =>
  call(url, 'POST', '/v1/functions/probe/invoke', { key, body: event });

async function stop(child: Child): Promise<number | null> {
  child.process.kill('SIGTERM');
  return child.exited;
}

function assertAllServed(responses: HttpResult[]): void {
  assert.deepEqual(
    responses.map((res) => res.status),
    responses.map(() => 200),
    responses.map((res) => res.text).join('\n'),
  );
}

describe('graceful shutdown', () => {
  // The stack the suite runs against decides which of the two is registered (see the wrappers in distributed/ and docker*/).
  if (stackKind === 'embedded')
    it('a server stopped with SIGTERM under load finishes every accepted call, refuses new ones and leaves no worker', async () => {
      const port = await freePort('127.0.0.1');
      const url = `http://127.0.0.1:${port}`;
      const managerId = `graceful-${randomUUID().slice(0, 8)}`;
      const server = startNuboProcess('server', {
        NUBO_PORT: String(port),
        NUBO_DATA_DIR: await tempDir(),
        NUBO_SANDBOX: sandboxKind,
        NUBO_MANAGER_ID: managerId,
        NUBO_LOG_LEVEL: 'info',
      });
      await eventually('the server answers', async () => (await fetch(`${url}/healthz`)).ok);
      const key = await setUp(url);
      const inFlight = Array.from({ length: 8 }, () => invoke(url, key, { sleepMs: 1500 }));
      await eventually(
        'every call is running',
        async () => (await call(url, 'GET', '/v1/functions/probe', { key })).body.liveWorkers === 8,
      );
      const exited = stop(server);
      const responses = await Promise.all(inFlight);
      assertAllServed(responses);
      const late = await invoke(url, key, {}).then(
        (res) => res.status,
        (err: Error) => err.message,
      );
      assert.notEqual(late, 200, 'a stopping server accepts no new call');
      assert.equal(await exited, 0, server.output());
      assert.match(server.output(), /stopping: finishing in-flight work/);
      assert.deepEqual(await leftovers(managerId), [], 'no worker outlives the server');
    });

  if (stackKind === 'distributed')
    it('a gateway and then a manager stopped with SIGTERM under load finish every accepted call and leave nothing running', {
      timeout: 120_000,
    }, async () => {
      const stack = await startDistributedStack();
      after(() => stack.close());
      // Only the manager under test may run workers.
      for (const manager of stack.managers.splice(0)) await manager.close();
      const managerId = `graceful-${randomUUID().slice(0, 8)}`;
      const managerPort = await freePort('127.0.0.4');
      const manager = startNuboProcess('manager', {
        ...stack.env,
        NUBO_MANAGER_URL: `http://127.0.0.4:${managerPort}`,
        NUBO_MANAGER_ID: managerId,
        NUBO_SANDBOX: sandboxKind,
        NUBO_DATA_DIR: await tempDir(),
        NUBO_LOG_LEVEL: 'info',
      });
      const gatewayPort = await freePort('127.0.0.1');
      const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
      const gateway = startNuboProcess('gateway', { ...stack.env, NUBO_PORT: String(gatewayPort), NUBO_LOG_LEVEL: 'info' });
      const redis = await connectRedis({ url: stack.env.NUBO_REDIS_URL! }, silent);
      after(() => redis.quit());
      const pool = new PoolInspector(redis, stack.env.NUBO_REDIS_PREFIX!);
      const registry = new RedisManagerRegistry(redis, stack.env.NUBO_REDIS_PREFIX!, Number(stack.env.NUBO_MANAGER_TTL_MS));
      await eventually(
        'the gateway answers and the manager has registered',
        async () => (await fetch(`${gatewayUrl}/healthz`)).ok && (await registry.alive()).some((m) => m.id === managerId),
      );
      const key = await setUp(gatewayUrl);
      const fnId = (await call(gatewayUrl, 'GET', '/v1/functions/probe', { key })).body.id as string;
      const poolKey = `${fnId}:1`;

      // The gateway: in-flight calls finish and their workers go back to the pool.
      const throughGateway = Array.from({ length: 6 }, () => invoke(gatewayUrl, key, { sleepMs: 1500 }));
      await eventually('six workers are leased', async () => (await pool.snapshot(poolKey)).leased.length === 6);
      const gatewayExited = stop(gateway);
      assertAllServed(await Promise.all(throughGateway));
      assert.equal(await gatewayExited, 0, gateway.output());
      const afterGateway = await pool.snapshot(poolKey);
      assert.deepEqual(
        [afterGateway.idle.length, afterGateway.leased.length],
        [6, 0],
        'the stopped gateway gave every worker back',
      );

      // The manager: busy workers finish their calls, then every worker is gone.
      const otherGateway = stack.gateways[0]!.url;
      const throughManager = Array.from({ length: 6 }, () => invoke(otherGateway, key, { sleepMs: 1500 }));
      await eventually('six workers are leased again', async () => (await pool.snapshot(poolKey)).leased.length === 6);
      const managerExited = stop(manager);
      const responses = await Promise.all(throughManager);
      assertAllServed(responses);
      assert.ok(responses.every((res) => res.headers.get('x-nubo-cold-start') === 'false'));
      assert.equal(await managerExited, 0, manager.output());
      assert.deepEqual(await leftovers(managerId), [], 'no worker outlives its manager');
      assert.deepEqual((await pool.snapshot(poolKey)).live, [], 'the pool lists none of its workers');
      assert.equal(
        (await registry.all()).some((m) => m.id === managerId),
        false,
        'it deregistered',
      );
      const noManager = await invoke(otherGateway, key, {});
      assert.equal(noManager.status, 503, noManager.text);
      assert.match(noManager.body.error.message, /No manager is alive/);
    });
});

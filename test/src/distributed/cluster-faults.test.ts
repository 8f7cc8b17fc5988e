import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLogger } from '@nubo/core';
import { RedisManagerRegistry, connectRedis } from '@nubo/pool';
import { PoolInspector } from '../helpers/pool-inspector.js';
import { MongoInvocationLog } from '@nubo/stores';
import { probeHandler } from '../helpers/handlers.js';
import {
  freePort,
  freePortSet,
  runningWorkers,
  startDistributedStack,
  type DistributedStack,
} from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { eventually, startChild, startNuboProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

const silent = createLogger({ level: 'silent' });
const servicesBin = new URL('../../../.services/bin/', import.meta.url).pathname;

async function setUp(stack: DistributedStack, gatewayUrl = stack.gateways[0]!.url) {
  const key = (await call(gatewayUrl, 'POST', '/v1/auth/signup', { body: { username: 'ops', password: 'password123' } })).body
    .apiKey as string;
  const deployed = await call(gatewayUrl, 'PUT', '/v1/functions/probe', {
    key,
    body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': probeHandler } }, timeoutMs: 2000 },
  });
  assert.equal(deployed.status, 201, deployed.text);
  const redis = await connectRedis({ url: stack.env.NUBO_REDIS_URL ?? 'redis://127.0.0.1:6380' }, silent);
  after(() => redis.quit());
  const id = (await call(gatewayUrl, 'GET', '/v1/functions/probe', { key })).body.id as string;
  return {
    key,
    poolKey: `${id}:1`,
    pool: new PoolInspector(redis, stack.env.NUBO_REDIS_PREFIX!),
    registry: new RedisManagerRegistry(redis, stack.env.NUBO_REDIS_PREFIX!, Number(stack.env.NUBO_MANAGER_TTL_MS)),
  };
}

describe('faults in a distributed stack', () => {
  it('reclaims the workers of a gateway killed with -9 while it held them', async () => {
    const stack = await startDistributedStack({ NUBO_LEASE_MARGIN_MS: '500' });
    after(() => stack.close());
    const port = await freePort('127.0.0.1');
    const doomed = startNuboProcess('gateway', { ...stack.env, NUBO_PORT: String(port) });
    const doomedUrl = `http://127.0.0.1:${port}`;
    await eventually('the gateway answers', async () => (await fetch(`${doomedUrl}/healthz`)).ok);
    const { key, poolKey, pool } = await setUp(stack, doomedUrl);
    const held = [1, 2, 3].map(() =>
      call(doomedUrl, 'POST', '/v1/functions/probe/invoke', { key, body: { sleepMs: 1500 } }).catch(() => null),
    );
    await eventually('three workers are leased', async () => (await pool.snapshot(poolKey)).leased.length === 3);
    doomed.process.kill('SIGKILL');
    await Promise.all(held);

    const settled = await eventually('the leases expired and were reclaimed', async () => {
      const snapshot = await pool.snapshot(poolKey);
      return snapshot.leased.length === 0 && snapshot.idle.length === runningWorkers(stack) ? snapshot : false;
    });
    assert.equal(settled.idle.length + settled.leased.length, settled.live.length, 'live workers = idle + leased');
    assert.equal(settled.live.length, runningWorkers(stack), 'no worker runs that the pool does not know');
    const res = await call(stack.gateways[0]!.url, 'POST', '/v1/functions/probe/invoke', { key, body: {} });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-nubo-cold-start'), 'false', 'a reclaimed healthy worker serves again');
  });

  it('skips a dead manager on cold start and drops its workers once its heartbeat expires', async () => {
    // Without stem cells the cold start goes to the manager with the most room (a stem cell would draw it).
    const stack = await startDistributedStack({ NUBO_STEM_CELLS: '0' });
    after(() => stack.close());
    const port = await freePort('127.0.0.4');
    const doomed = startNuboProcess('manager', {
      ...stack.env,
      NUBO_MANAGER_URL: `http://127.0.0.4:${port}`,
      NUBO_MANAGER_CAPACITY: '100000',
      NUBO_DATA_DIR: await tempDir(),
    });
    const { key, poolKey, pool, registry } = await setUp(stack);
    await eventually('the extra manager has registered', async () =>
      (await registry.alive()).some((m) => m.url.startsWith('http://127.0.0.4:')),
    );
    assert.equal((await call(stack.gateways[0]!.url, 'POST', '/v1/functions/probe/invoke', { key, body: {} })).status, 200);
    assert.ok(
      (await pool.snapshot(poolKey)).idle.some((a) => a.startsWith('127.0.0.4:')),
      'the manager with the most room got the cold start',
    );
    const orphans = (await pool.snapshot(poolKey)).idle.filter((a) => a.startsWith('127.0.0.4:'));
    doomed.process.kill('SIGKILL');
    await doomed.exited;
    // Its workers end with it (they watch their manager); wait until they no longer accept connections.
    await eventually("the dead manager's workers are gone", async () => {
      const answers = await Promise.all(
        orphans.map((a) =>
          fetch(`http://${a}/healthz`).then(
            () => true,
            () => false,
          ),
        ),
      );
      return answers.every((alive) => !alive);
    });

    // The pool still lists the dead worker and the registry the dead manager: both are skipped.
    for (let i = 0; i < 3; i++) {
      const res = await call(stack.gateways[i % 2]!.url, 'POST', '/v1/functions/probe/invoke', { key, body: {} });
      assert.equal(res.status, 200, res.text);
    }
    await eventually(
      "the dead manager's workers left the pool",
      async () => !(await pool.snapshot(poolKey)).live.some((a) => a.startsWith('127.0.0.4:')),
    );
  });

  it('fails fast with 503 while Redis is unreachable and recovers by itself', { timeout: 90_000 }, async () => {
    const dir = await tempDir('nubo-redis-');
    const redisPort = await freePort('127.0.0.1');
    const startRedis = () =>
      startChild(
        'redis-server',
        [
          '--port',
          String(redisPort),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--appendfsync',
          'always',
          '--save',
          '',
        ],
        {},
      );
    let redis = startRedis();
    await eventually(
      'Redis answers',
      async () =>
        await connectRedis({ url: `redis://127.0.0.1:${redisPort}` }, silent).then((r) => {
          r.disconnect();
          return true;
        }),
    );
    const stack = await startDistributedStack({ NUBO_REDIS_URL: `redis://127.0.0.1:${redisPort}` });
    after(() => stack.close());
    const { key } = await setUp(stack);
    const invoke = () => call(stack.gateways[0]!.url, 'POST', '/v1/functions/probe/invoke', { key, body: {} });
    assert.equal((await invoke()).status, 200);

    redis.process.kill('SIGSTOP');
    const frozen = await invoke();
    assert.equal(frozen.status, 503, frozen.text);
    assert.equal(frozen.body.error.code, 'NUBO_ERR_POOL_UNAVAILABLE');
    redis.process.kill('SIGCONT');
    await eventually('invocations succeed after Redis thaws', async () => (await invoke()).status === 200);

    redis.process.kill('SIGKILL');
    await redis.exited;
    const down = await invoke();
    assert.equal(down.status, 503, down.text);
    assert.match(down.body.error.message, /Redis/);
    redis = startRedis();
    await eventually('invocations succeed after Redis restarts', async () => (await invoke()).status === 200, 30_000);
  });

  it('keeps serving through a Sentinel failover after a bounded pause', { timeout: 120_000 }, async () => {
    const dir = await tempDir('nubo-sentinel-');
    const base = await freePortSet('127.0.0.1', [0, 1, 20_000, 20_001, 20_002]);
    const script = new URL('../../../scripts/services/redis-set.sh', import.meta.url).pathname;
    const started = startChild('bash', [script, 'start', String(base), dir], {});
    assert.equal(await started.exited, 0, started.output());
    after(() => startChild('bash', [script, 'stop', dir], {}).exited);
    const sentinels = [0, 1, 2].map((i) => `127.0.0.1:${base + 20000 + i}`).join(',');
    const stack = await startDistributedStack({
      NUBO_REDIS_URL: '',
      NUBO_REDIS_SENTINELS: sentinels,
      NUBO_REDIS_MASTER: 'nubo-primary',
    });
    after(() => stack.close());
    const gateway = stack.gateways[0]!.url;
    const key = (await call(gateway, 'POST', '/v1/auth/signup', { body: { username: 'ops', password: 'password123' } })).body
      .apiKey as string;
    await call(gateway, 'PUT', '/v1/functions/probe', {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': probeHandler } } },
    });
    assert.equal((await call(gateway, 'POST', '/v1/functions/probe/invoke', { key, body: {} })).status, 200);

    const primaryPid = Number((await import('node:fs')).readFileSync(join(dir, `redis-${base}.pid`), 'utf8'));
    process.kill(primaryPid, 'SIGKILL');
    const statuses = new Set<number>();
    await eventually(
      'invocations succeed on the promoted replica',
      async () => {
        const res = await call(gateway, 'POST', '/v1/functions/probe/invoke', { key, body: {} });
        statuses.add(res.status);
        return res.status === 200;
      },
      60_000,
    );
    assert.deepEqual(
      [...statuses].filter((s) => s !== 200 && s !== 503),
      [],
      'during the failover calls fail with 503, nothing else',
    );
  });

  it('serves while the log store is down and writes the buffered records when it returns', { timeout: 90_000 }, async () => {
    const dir = await tempDir('nubo-ferret-');
    await mkdir(dir, { recursive: true });
    const port = await freePort('127.0.0.1');
    const ferret = startChild(`${servicesBin}ferretdb-launcher`, ['-listen', `127.0.0.1:${port}`, '-dir', dir], {});
    const mongoUrl = `mongodb://127.0.0.1:${port}`;
    await eventually('FerretDB answers', async () => (await fetch(`http://127.0.0.1:${port}`).catch((e: Error) => e)) !== null);
    const stack = await startDistributedStack({ NUBO_MONGO_URL: mongoUrl });
    after(() => stack.close());
    const { key } = await setUp(stack);
    const gateway = stack.gateways[0]!.url;

    ferret.process.kill('SIGSTOP');
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await call(gateway, 'POST', '/v1/functions/probe/invoke', { key, body: {} });
      assert.equal(res.status, 200, 'a down log store never fails an invocation');
      ids.push(res.headers.get('x-nubo-request-id')!);
    }
    ferret.process.kill('SIGCONT');
    await eventually(
      'every buffered record is written',
      async () => {
        const logs = await call(gateway, 'GET', '/v1/functions/probe/logs?limit=100', { key });
        return ids.every((id) => logs.body.some((r: any) => r.requestId === id));
      },
      40_000,
    );

    // The buffer is bounded: with room for 5, ten records while the store hangs lose the oldest,
    // and every record is either written or counted as dropped.
    const log = await MongoInvocationLog.connect({
      url: mongoUrl,
      database: 'bounded',
      logger: silent,
      bufferMax: 5,
      batchDelayMs: 50,
    });
    after(() => log.close());
    ferret.process.kill('SIGSTOP');
    const records = Array.from({ length: 10 }, (_, i) => ({
      requestId: `bounded-${i}`,
      correlationId: null,
      attempt: 1,
      ownerId: 'u',
      functionId: 'f',
      functionName: 'fn',
      version: 1,
      trigger: 'invoke' as const,
      startedAt: i,
      durationMs: 1,
      initMs: null,
      cold: false,
      stemCell: false,
      queueMs: 0,
      memoryUsedMb: null,
      memoryLimitMb: 128,
      status: 'ok' as const,
      errorType: null,
      errorMessage: null,
      logs: '',
      logsTruncated: false,
      workerId: null,
    }));
    for (const record of records) log.append(record);
    assert.ok(log.dropped > 0, 'records beyond the bound were dropped');
    ferret.process.kill('SIGCONT');
    const written = await eventually(
      'the buffer drains',
      async () => {
        await log.flush().catch(() => undefined);
        return log.pending === 0 ? log.list('u', 'fn', { limit: 100 }) : false;
      },
      40_000,
    );
    assert.equal(written.length + log.dropped, records.length, 'each record is written or counted as dropped');
    assert.ok(
      written.some((r) => r.requestId === 'bounded-9'),
      'the newest records are kept',
    );
  });
});

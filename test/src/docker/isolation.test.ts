import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { probeHandler } from '../helpers/handlers.js';
import { freePort } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { eventually, startNuboProcess } from '../helpers/processes.js';
import { service } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

process.env.NUBO_E2E_SANDBOX = 'docker';
const { startNubo } = await import('../helpers/nubo.js');
type TestNubo = Awaited<ReturnType<typeof startNubo>>;

const docker = new Docker();

/** A handler that tries what a hostile function would and reports what happened. */
const prober = `
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { writeFileSync, readFileSync } from 'node:fs';
const attempt = (fn) => { try { fn(); return 'allowed'; } catch (e) { return e.code ?? e.message; } };
const reach = (host, port) => new Promise((resolve) => {
  const socket = connect({ host, port, timeout: 1000 });
  socket.on('connect', () => { socket.destroy(); resolve('connected'); });
  socket.on('timeout', () => { socket.destroy(); resolve('timeout'); });
  socket.on('error', (e) => resolve(e.code));
});
export const handler = async (event) => {
  if (event.fork) {
    let started = 0, failed = 0;
    for (let i = 0; i < 200; i++) {
      try { const c = spawn('/usr/bin/node', ['-e', 'setTimeout(() => {}, 20000)'], { stdio: 'ignore' }); c.on('error', () => {}); if (c.pid) started++; else failed++; } catch { failed++; }
    }
    return { started, failed };
  }
  return {
    writeRoot: attempt(() => writeFileSync('/nubo-was-here', 'x')),
    writeCode: attempt(() => writeFileSync('/code/nubo-was-here', 'x')),
    writeTmp: attempt(() => writeFileSync('/tmp/ok', 'x')),
    readSecret: attempt(() => readFileSync('/code/secret.txt', 'utf8')),
    env: process.env,
    reach: await Promise.all((event.targets ?? []).map(([host, port]) => reach(host, port).then((r) => host + ':' + port + ' ' + r))),
  };
};
`;

async function containerOf(nubo: TestNubo, key: string, requestId: string) {
  const { workerId } = (await nubo.call('GET', `/v1/invocations/${requestId}`, { key })).body;
  const [found] = await docker.listContainers({ filters: { label: [`nubo.worker=${workerId}`] } });
  assert.ok(found, `a container for worker ${workerId}`);
  return docker.getContainer(found.Id).inspect();
}

describe('Docker sandbox isolation', () => {
  let nubo: TestNubo;
  let key: string;
  after(() => nubo.close());

  before(async () => {
    nubo = await startNubo();
    key = await nubo.signup('hostile');
    await nubo.deploy(key, 'prober', { 'index.mjs': prober }, { memoryMb: 128, timeoutMs: 15_000 });
  });

  it('runs every worker as a hardened container', async () => {
    const res = await nubo.invoke(key, 'prober');
    assert.equal(res.status, 200, res.text);
    const info = await containerOf(nubo, key, res.headers.get('x-nubo-request-id')!);
    const host = info.HostConfig;
    assert.equal(info.Config.User, '65534:65534');
    assert.deepEqual(host.CapDrop, ['ALL']);
    assert.ok(host.SecurityOpt?.includes('no-new-privileges'));
    assert.equal(host.ReadonlyRootfs, true);
    assert.ok(host.Tmpfs && '/tmp' in host.Tmpfs);
    assert.equal(host.Memory, 128 * 1024 * 1024);
    assert.equal(host.MemorySwap, host.Memory, 'no swap beyond the memory limit');
    assert.ok((host.CpuShares ?? 0) > 0);
    assert.equal(host.PidsLimit, 64);
    assert.deepEqual(host.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 1024 }]);
    assert.equal(host.Privileged, false);
    assert.equal(host.NetworkMode, 'nubo-workers');
    assert.ok(host.Binds?.some((b) => b.endsWith(':/code:ro')));
    assert.ok(!host.Binds?.some((b) => b.includes('docker.sock')), 'never the Docker socket');
    assert.equal(host.PortBindings?.['8080/tcp']?.[0]?.HostIp, '127.0.0.1');
    assert.equal(info.Config.Labels['nubo.function']?.startsWith('fn_'), true);
    assert.ok(info.Config.Labels['nubo.manager'] && info.Config.Labels['nubo.version'] === '1');
  });

  it('keeps a function from writing outside /tmp and from reaching the platform', async () => {
    const gatewayPort = Number(new URL(nubo.url).port);
    const bridge = await nubo.hostSeenByWorkers();
    const redisPort = Number(new URL(service('REDIS_URL')).port);
    const res = await nubo.invoke(key, 'prober', {
      targets: [
        ['127.0.0.1', gatewayPort],
        [bridge, gatewayPort],
        ['127.0.0.1', redisPort],
        [bridge, redisPort],
        ['127.0.0.2', gatewayPort],
      ],
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.writeRoot, 'EROFS');
    assert.equal(res.body.writeCode, 'EROFS');
    assert.equal(res.body.writeTmp, 'allowed');
    assert.deepEqual(
      res.body.reach.filter((r: string) => r.endsWith(' connected')),
      [],
      `reached: ${res.body.reach.join(', ')}`,
    );
  });

  it("keeps one user's function from another's code, env and worker", async () => {
    const other = await nubo.signup('victim');
    await nubo.deploy(
      other,
      'vault',
      { 'index.mjs': probeHandler, 'secret.txt': 'the secret' },
      { env: { VAULT_TOKEN: 'hunter2' } },
    );
    const victim = await nubo.invoke(other, 'vault');
    const victimInfo = await containerOf(nubo, other, victim.headers.get('x-nubo-request-id')!);
    const victimIp = victimInfo.NetworkSettings.Networks['nubo-workers']!.IPAddress;
    const res = await nubo.invoke(key, 'prober', { targets: [[victimIp, 8080]] });
    assert.equal(res.body.readSecret, 'ENOENT', "another function's code is not there");
    assert.equal(res.body.env.VAULT_TOKEN, undefined);
    assert.doesNotMatch(res.body.reach[0], / connected$/, "another function's worker is out of reach");
  });

  it('caps a fork bomb with the pids limit and survives it', async () => {
    const res = await nubo.invoke(key, 'prober', { fork: true });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.body.started < 64, `started ${res.body.started} processes`);
    assert.ok(res.body.failed > 0);
    const other = await nubo.signup('bystander');
    await nubo.deploy(other, 'fine', { 'index.mjs': probeHandler });
    assert.equal((await nubo.invoke(other, 'fine')).status, 200, 'the platform still serves');
  });
});

describe('Docker sandbox after a crash of its manager', () => {
  it('removes the containers of a manager killed with -9 when it starts again', { timeout: 120_000 }, async () => {
    const dataDir = await tempDir('nubo-docker-crash-');
    const port = await freePort('127.0.0.1');
    const env = { NUBO_SANDBOX: 'docker', NUBO_DATA_DIR: dataDir, NUBO_PORT: String(port), NUBO_LOG_LEVEL: 'warn' };
    const url = `http://127.0.0.1:${port}`;
    const first = startNuboProcess('server', env);
    await eventually('the server answers', async () => (await fetch(`${url}/healthz`)).ok);
    const key = (await call(url, 'POST', '/v1/auth/signup', { body: { username: 'crash', password: 'password123' } })).body
      .apiKey as string;
    await call(url, 'PUT', '/v1/functions/left', {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': probeHandler } } },
    });
    const res = await call(url, 'POST', '/v1/functions/left/invoke', { key, body: {} });
    assert.equal(res.status, 200, res.text);
    const { workerId } = (await call(url, 'GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key })).body;
    const [container] = await docker.listContainers({ filters: { label: [`nubo.worker=${workerId}`] } });
    assert.ok(container);
    const manager = container.Labels['nubo.manager']!;
    first.process.kill('SIGKILL');
    await first.exited;
    // The worker's container (and the manager's stem cell, if it had started one) outlived it.
    const left = await docker.listContainers({ filters: { label: [`nubo.manager=${manager}`] } });
    assert.ok(
      left.some((c) => c.Id === container.Id),
      'the container outlived its manager',
    );

    const second = startNuboProcess('server', env);
    after(() => second.process.kill('SIGTERM'));
    await eventually('the server answers again', async () => (await fetch(`${url}/healthz`)).ok);
    assert.deepEqual(
      await docker.listContainers({ all: true, filters: { label: [`nubo.manager=${manager}`] } }),
      [],
      'no orphan container remains',
    );
  });
});

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { startNubo } from '../helpers/nubo.js';
import { eventually, startNuboProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';
import { managerWorkerProcesses, workerProcesses } from '../helpers/worker-processes.js';

/** Leaves processes running in the background: a plain child and one in a session of its own (setsid). */
const leaver = `
import { spawn } from 'node:child_process';
export const handler = async () => {
  for (const args of [['sleep', '300'], ['setsid', 'sleep', '301']]) {
    const child = spawn(args[0], args.slice(1), { stdio: 'ignore', detached: true });
    child.unref();
  }
  return { started: 2 };
};
`;

// Process sandbox only: in the Docker sandbox a worker's processes live in its container, which is removed.
describe('what a function starts in the background ends with its worker (process sandbox)', () => {
  it('background children, even in a session of their own, are gone once their worker is destroyed', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const key = await nubo.signup('leaver');
    await nubo.deploy(key, 'leaver', { 'index.mjs': leaver });
    const res = await nubo.invoke(key, 'leaver');
    assert.equal(res.status, 200, res.text);
    const { workerId } = (await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key })).body;
    // The runtime, bubblewrap's init and the two sleeps at least.
    await eventually('the background processes run while their worker lives', async () => workerProcesses(workerId).length >= 4);
    await nubo.killWorker(workerId);
    assert.deepEqual(workerProcesses(workerId), [], 'nothing of the worker is left');
  });
});

describe('a server killed with -9 leaves no process of its workers (process sandbox)', () => {
  it('every sandbox ends with the server, and the next start removes the cgroups it left', async () => {
    const port = await freePort('127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const managerId = `killed-${randomUUID().slice(0, 8)}`;
    const env = { NUBO_PORT: String(port), NUBO_DATA_DIR: await tempDir(), NUBO_MANAGER_ID: managerId, NUBO_LOG_LEVEL: 'info' };
    const server = startNuboProcess('server', env);
    await eventually('the server answers', async () => (await fetch(`${url}/healthz`)).ok);
    const key = (await call(url, 'POST', '/v1/auth/signup', { body: { username: 'leaver', password: 'password123' } })).body
      .apiKey as string;
    const deployed = await call(url, 'PUT', '/v1/functions/leaver', {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': leaver } }, minWarm: 2 },
    });
    assert.equal(deployed.status, 201, deployed.text);
    assert.equal((await call(url, 'POST', '/v1/functions/leaver/invoke', { key, body: {} })).status, 200);
    await eventually('the workers and their background processes run', async () => managerWorkerProcesses(managerId).length >= 6);
    server.process.kill('SIGKILL');
    await server.exited;
    await eventually('no process of its workers is left', async () => managerWorkerProcesses(managerId).length === 0);
    const left = leftCgroups(managerId);
    assert.ok(left.length >= 2, "the killed server could not remove its workers' cgroups");

    const again = startNuboProcess('server', env);
    await eventually('the server answers again', async () => (await fetch(`${url}/healthz`)).ok);
    await eventually('the left cgroups are gone', async () => !leftCgroups(managerId).some((dir) => left.includes(dir)));
    again.process.kill('SIGTERM');
    await again.exited;
  });
});

/** The worker cgroups under a manager's group (cgroup v1 memory controller, or v2). */
function leftCgroups(managerId: string): string[] {
  for (const parent of [`/sys/fs/cgroup/memory/nubo-${managerId}`, `/sys/fs/cgroup/nubo-${managerId}`])
    if (existsSync(parent)) return readdirSync(parent).filter((entry) => entry.startsWith('wrk_'));
  return [];
}

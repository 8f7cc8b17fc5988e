import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/distributed-stack.js';
import { probeHandler } from '../helpers/handlers.js';
import { call } from '../helpers/http.js';
import { signupAndDeployProbe } from '../helpers/probe-deploy.js';
import { eventually, startNuboProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Writes zeros until the file system has no room left. */
async function fillUp(file: string): Promise<void> {
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) await handle.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await handle.close();
  }
}

describe('the embedded server on a full disk', () => {
  it('keeps serving, keeps the records it cannot write and writes them once there is room', async () => {
    // A small file system of its own for the server's data directory, which this test fills.
    const dataDir = await tempDir('nubo-full-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0711', 'tmpfs', dataDir]);
    after(() => execFileSync('umount', ['-l', dataDir]));
    const port = await freePort('127.0.0.1');
    const url = `http://127.0.0.1:${port}`;
    const server = startNuboProcess('server', {
      NUBO_PORT: String(port),
      NUBO_DATA_DIR: dataDir,
      NUBO_LOG_LEVEL: 'warn',
      NUBO_STEM_CELLS: '0',
    });
    after(() => server.process.kill('SIGKILL'));
    await eventually('the server answers', async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok);
    const key = await signupAndDeployProbe(url);
    assert.equal((await call(url, 'POST', '/v1/functions/probe/invoke', { key, body: {} })).status, 200);
    const unusedKey = (await call(url, 'POST', '/v1/keys', { key, body: { name: 'second' } })).body.apiKey as string;

    const filler = join(dataDir, 'filler');
    await fillUp(filler);
    // A key's first use is noted in the catalog: that write fails, and the request is served all the same.
    const listed = await call(url, 'GET', '/v1/functions', { key: unusedKey });
    assert.equal(listed.status, 200, listed.text);
    // A change that must be stored is refused with what to do, not an internal error.
    const deploy = await call(url, 'PUT', '/v1/functions/another', {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files: { 'index.mjs': probeHandler } } },
    });
    assert.equal(deploy.status, 503, deploy.text);
    assert.equal(deploy.body.error.code, 'NUBO_ERR_STORE_UNAVAILABLE');
    assert.match(deploy.body.error.message, /disk is full.*NUBO_DATA_DIR/);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await call(url, 'POST', '/v1/functions/probe/invoke', { key, body: { i } });
      assert.equal(res.status, 200, res.text);
      ids.push(res.headers.get('x-nubo-request-id')!);
    }
    // Reading the log writes what waits first: here that write fails, and the read still answers.
    const whileFull = await call(url, 'GET', '/v1/functions/probe/logs?limit=100', { key });
    assert.equal(whileFull.status, 200, whileFull.text);
    assert.ok(!ids.some((id) => whileFull.body.some((r: any) => r.requestId === id)), 'nothing could be written');
    assert.equal(server.process.exitCode, null, 'the server is still running');
    // The server's log line leaves through its (asynchronous) log stream: wait for it to arrive.
    await eventually('the server says it cannot write the records', async () =>
      /cannot write invocation records/.test(server.output()),
    );

    await rm(filler);
    const written = await eventually('the kept records are written', async () => {
      const logs = await call(url, 'GET', '/v1/functions/probe/logs?limit=100', { key });
      return ids.every((id) => logs.body.some((r: any) => r.requestId === id)) && logs;
    });
    assert.equal(written.status, 200);
    assert.equal(server.process.exitCode, null);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/distributed-stack.js';
import { call } from '../helpers/http.js';
import { eventually, startNuboProcess } from '../helpers/processes.js';
import { tempDir } from '../helpers/temp-dir.js';

const credentials = (username: string) => ({ body: { username, password: 'correct horse battery' } });

/** Starts `nubo server` with this environment and answers its URL. */
async function server(env: Record<string, string>) {
  const port = await freePort('127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const child = startNuboProcess('server', {
    NUBO_PORT: String(port),
    NUBO_DATA_DIR: await tempDir(),
    NUBO_LOG_LEVEL: 'info',
    ...env,
  });
  return { url, child };
}

describe('without isolation there is no multi-tenancy', () => {
  it('a server that cannot isolate says so loudly and lets only its admin in', async () => {
    // No bwrap on the PATH: the machine cannot isolate.
    const { url, child } = await server({ PATH: '/nonexistent' });
    await eventually('the server answers', async () => (await fetch(`${url}/healthz`)).ok);
    assert.match(child.output(), /WORKERS ARE NOT ISOLATED: slirp4netns is missing/);
    const admin = await call(url, 'POST', '/v1/auth/signup', credentials('admin'));
    assert.equal(admin.status, 201, admin.text);
    const other = await call(url, 'POST', '/v1/auth/signup', credentials('mallory'));
    assert.equal(other.status, 403, other.text);
    assert.equal(other.body.error.code, 'NUBO_ERR_AUTH_SINGLE_USER');
    assert.match(other.body.error.message, /cannot isolate functions from each other \(slirp4netns is missing/);
    const deployed = await call(url, 'PUT', '/v1/functions/hello', {
      key: admin.body.apiKey,
      body: {
        runtime: 'node20',
        handler: 'index.handler',
        code: { files: { 'index.mjs': 'export const handler = async () => "hi";' } },
      },
    });
    assert.equal(deployed.status, 201, 'the admin still deploys and runs functions');
    assert.equal((await call(url, 'POST', '/v1/functions/hello/invoke', { key: admin.body.apiKey, body: {} })).body, 'hi');
    child.process.kill('SIGTERM');
    await child.exited;
  });

  it('a user made while the server isolated is refused once it no longer does (NUBO_ISOLATION=off)', async () => {
    const dataDir = await tempDir();
    const isolated = await server({ NUBO_DATA_DIR: dataDir });
    await eventually('the server answers', async () => (await fetch(`${isolated.url}/healthz`)).ok);
    assert.equal((await call(isolated.url, 'POST', '/v1/auth/signup', credentials('admin'))).status, 201);
    const bob = await call(isolated.url, 'POST', '/v1/auth/signup', credentials('bob'));
    assert.equal(bob.status, 201, 'an isolating server takes any number of users');
    isolated.child.process.kill('SIGTERM');
    await isolated.child.exited;

    const plain = await server({ NUBO_DATA_DIR: dataDir, NUBO_ISOLATION: 'off' });
    await eventually('the server answers', async () => (await fetch(`${plain.url}/healthz`)).ok);
    const refused = await call(plain.url, 'GET', '/v1/functions', { key: bob.body.apiKey });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.code, 'NUBO_ERR_AUTH_SINGLE_USER');
    plain.child.process.kill('SIGTERM');
    await plain.child.exited;
  });

  it('NUBO_ISOLATION=required refuses to start where the machine cannot isolate, and says why', async () => {
    const { child } = await server({ PATH: '/nonexistent', NUBO_ISOLATION: 'required' });
    assert.notEqual(await child.exited, 0);
    assert.match(child.output(), /NUBO_ISOLATION=required but slirp4netns is missing/);
  });
});

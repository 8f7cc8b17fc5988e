import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/distributed-stack.js';
import { startNuboProcess } from '../helpers/processes.js';
import { service, uniqueName } from '../helpers/services.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Starts `nubo gateway` with a broken setting and answers its exit code and output. */
async function failedStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const base = {
    NUBO_DATA_DIR: await tempDir(),
    NUBO_PORT: String(await freePort('127.0.0.1')),
    NUBO_REDIS_URL: service('REDIS_URL'),
    NUBO_REDIS_PREFIX: `${uniqueName('cfg:')}:`,
    NUBO_CLUSTER_TOKEN: 'test-cluster-token-0123456789',
  };
  const child = startNuboProcess('gateway', { ...base, ...env });
  const code = await child.exited;
  return { code, output: child.output() };
}

describe('bad configuration stops a process at start-up with one clear message', { timeout: 60_000 }, () => {
  it('names an unreachable Redis', async () => {
    const { code, output } = await failedStart({ NUBO_REDIS_URL: `redis://127.0.0.1:${await freePort('127.0.0.1')}` });
    assert.equal(code, 1);
    assert.match(output, /Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
  });

  it('names a wrong MySQL password without printing it', async () => {
    const url = new URL(service('MYSQL_URL'));
    url.password = 'wrong-password-123';
    const { code, output } = await failedStart({ NUBO_MYSQL_URL: `${url.toString()}/nubo` });
    assert.equal(code, 1);
    assert.match(output, /Cannot use the MySQL catalog .*Access denied/);
    assert.doesNotMatch(output, /wrong-password-123/);
  });

  it('names S3 credentials the server refuses', async () => {
    const { code, output } = await failedStart({
      NUBO_S3_ENDPOINT: service('S3_ENDPOINT'),
      NUBO_S3_BUCKET: uniqueName('nubo-cfg-'),
      NUBO_S3_ACCESS_KEY_ID: 'NOT-A-KEY',
      NUBO_S3_SECRET_ACCESS_KEY: 'not-the-secret',
    });
    assert.equal(code, 1);
    assert.match(output, /Cannot use S3 bucket .*access denied/);
  });

  it('asks for the cluster token and for Redis', async () => {
    const noToken = await failedStart({ NUBO_CLUSTER_TOKEN: '' });
    assert.equal(noToken.code, 1);
    assert.match(noToken.output, /NUBO_CLUSTER_TOKEN/);
    const noRedis = await failedStart({ NUBO_REDIS_URL: '' });
    assert.match(noRedis.output, /nubo gateway needs Redis: set NUBO_REDIS_URL/);
    const badUrl = await failedStart({ NUBO_REDIS_URL: 'http://not-redis' });
    assert.match(badUrl.output, /NUBO_REDIS_URL: use a URL starting with redis:/);
  });
});

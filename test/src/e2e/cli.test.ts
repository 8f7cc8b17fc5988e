import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { call } from '../helpers/http.js';
import { startNubo } from '../helpers/nubo.js';
import { tempDir } from '../helpers/temp-dir.js';

const bin = fileURLToPath(new URL('../../../packages/cli/dist/bin.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function nuboCli(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH ?? '', ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the nubo CLI', () => {
  it('is linked by npm as node_modules/.bin/nubo and runs from there', async () => {
    const linked = fileURLToPath(new URL('../../../node_modules/.bin/nubo', import.meta.url));
    const run = await new Promise<Run>((resolve) => {
      execFile(linked, ['--help'], (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Usage: nubo/);
  });

  it('signs up, deploys a directory, invokes cold then warm, shows logs and stats, lists and removes', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const home = await tempDir('nubo-cli-home-');
    const fnDir = await tempDir('nubo-cli-fn-');
    await mkdir(join(fnDir, 'lib'));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the handler's own template literal
    await writeFile(join(fnDir, 'lib', 'greet.mjs'), 'export const greet = (who) => `${process.env.GREETING} ${who}`;\n');
    await writeFile(
      join(fnDir, 'index.mjs'),
      'import { greet } from "./lib/greet.mjs";\nexport const handler = async (event) => { console.log("greeting", event.name); return { message: greet(event.name), pid: process.pid }; };\n',
    );
    const env = { XDG_CONFIG_HOME: home, NUBO_URL: nubo.url };
    const run = (...args: string[]) => nuboCli(env, ...args);

    const signup = await run('signup', '--username', 'carol', '--password', 'password123');
    assert.equal(signup.code, 0, signup.stderr);
    assert.match(signup.stdout, /Logged in .* as carol \(admin\)/);
    const saved = JSON.parse(await readFile(join(home, 'nubo', 'credentials.json'), 'utf8'));
    assert.ok(saved.apiKey.startsWith('nubo_'));
    assert.equal((await stat(join(home, 'nubo', 'credentials.json'))).mode & 0o777, 0o600);

    const deploy = await run(
      'deploy',
      'hello',
      fnDir,
      '--runtime',
      'node20',
      '--handler',
      'index.handler',
      '--env',
      'GREETING=hi',
      '--memory',
      '128',
      '--timeout',
      '3000',
    );
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.match(deploy.stdout, /Deployed hello version 1 \(2 files/);
    assert.match(deploy.stderr, /Warning: Node\.js 20 reached its end of life/);

    const first = await run('invoke', 'hello', '--data', '{"name":"x"}', '--verbose');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).message, 'hi x');
    assert.match(first.stderr, /cold start/);
    const second = await run('invoke', 'hello', '--data', '{"name":"y"}', '--verbose');
    assert.match(second.stderr, /warm start/);
    assert.equal(JSON.parse(second.stdout).pid, JSON.parse(first.stdout).pid);

    const logs = await run('logs', 'hello', '--output');
    assert.equal(logs.code, 0, logs.stderr);
    const lines = logs.stdout.split('\n');
    assert.match(lines[0]!, /STARTED\s+REQUEST\s+V\s+START\s+STATUS\s+DURATION\s+INIT\s+MEMORY/);
    assert.match(lines[1]!, /\bwarm\s+ok\b/);
    assert.match(lines[2]!, /\bcold\s+ok\b/);
    assert.match(logs.stdout, /greeting y/);
    const jsonLogs = JSON.parse((await run('logs', 'hello', '--json')).stdout);
    assert.equal(jsonLogs.length, 2);
    assert.ok(jsonLogs.every((r: any) => r.durationMs > 0 && r.memoryUsedMb > 0));

    const stats = await run('stats', 'hello');
    assert.match(stats.stdout, /invocations\s+2/);
    assert.match(stats.stdout, /cold starts\s+1 \(50\.0%\)/);
    assert.match(stats.stdout, /p50 [\d.]+ ms\s+p95 [\d.]+ ms\s+p99 [\d.]+ ms/);

    assert.match((await run('ls')).stdout, /hello\s+1\s+false/);
    const redeploy = await run('deploy', 'hello', fnDir, '--env', 'GREETING=hey', '--network', 'none');
    assert.match(redeploy.stdout, /version 2/);
    assert.equal(JSON.parse((await run('invoke', 'hello', '--data', '{"name":"z"}')).stdout).message, 'hey z');
    const detail = await call(nubo.url, 'GET', '/v1/functions/hello', { key: saved.apiKey });
    assert.equal(detail.body.network, 'none', 'the CLI deployed it without network');
    const badNetwork = await run('deploy', 'hello', fnDir, '--network', 'everywhere');
    assert.equal(badNetwork.code, 1);
    assert.match(badNetwork.stderr, /network/);

    assert.equal((await run('rm', 'hello')).code, 0);
    const gone = await run('invoke', 'hello');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /NUBO_ERR_FUNCTION_NOT_FOUND/);
    assert.match((await run('ls')).stdout, /No functions yet/);
    assert.match((await run('logs', 'hello')).stdout, /cold/, 'logs outlive the function');

    const created = await run('keys', 'create', 'ci');
    assert.equal(created.code, 0, created.stderr);
    const keyId = /AWS_ACCESS_KEY_ID=(\S+)/.exec(created.stdout)?.[1];
    const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(created.stdout)?.[1];
    assert.ok(keyId && secret, created.stdout);
    assert.match((await run('keys', 'ls')).stdout, new RegExp(`${keyId}\\s+ci\\s+nubo_`));
    const lambda = new LambdaClient({
      endpoint: nubo.url,
      region: 'us-east-1',
      credentials: { accessKeyId: keyId, secretAccessKey: secret },
      maxAttempts: 1,
    });
    assert.deepEqual((await lambda.send(new ListFunctionsCommand({}))).Functions, [], 'the printed credentials sign requests');
    assert.equal((await run('keys', 'rm', keyId)).code, 0);
    const revoked = await lambda.send(new ListFunctionsCommand({})).catch((e) => e);
    assert.equal(revoked.name, 'UnrecognizedClientException');
    assert.equal((await call(nubo.url, 'GET', '/v1/functions', { key: secret })).status, 401);

    const login = await run('login', '--username', 'carol', '--password', 'wrong-password');
    assert.equal(login.code, 1);
    assert.match(login.stderr, /NUBO_ERR_AUTH_BAD_CREDENTIALS/);
  });

  it('queues an event, waits for its result, and manages dead letters and schedules', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const home = await tempDir('nubo-cli-home-');
    const fnDir = await tempDir('nubo-cli-fn-');
    await writeFile(
      join(fnDir, 'index.mjs'),
      'export const handler = async (e) => { if (e.fail) throw new Error("no"); return { got: e }; };\n',
    );
    const run = (...args: string[]) => nuboCli({ XDG_CONFIG_HOME: home, NUBO_URL: nubo.url }, ...args);
    assert.equal((await run('signup', '--username', 'dana', '--password', 'password123')).code, 0);
    const deploy = await run('deploy', 'jobs', fnDir, '--max-retries', '0', '--async-concurrency', '1', '--max-queued', '50');
    assert.equal(deploy.code, 0, deploy.stderr);

    const queued = await run('invoke', 'jobs', '--async', '--data', '{"n":1}', '--idempotency-key', 'k-1');
    assert.equal(queued.code, 0, queued.stderr);
    const id = queued.stdout.trim();
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.match(queued.stderr, new RegExp(`nubo result ${id} --wait`));
    const again = await run('invoke', 'jobs', '--async', '--data', '{"n":2}', '--idempotency-key', 'k-1');
    assert.equal(again.stdout.trim(), id);
    assert.match(again.stderr, /Already queued/);
    const result = await run('result', id, '--wait');
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout).result, { got: { n: 1 } });

    const failing = (await run('invoke', 'jobs', '--async', '--data', '{"fail":true}')).stdout.trim();
    const failed = await run('result', failing, '--wait');
    assert.equal(failed.code, 1, 'a failed event exits 1');
    assert.equal(JSON.parse(failed.stdout).status, 'failed');
    assert.match((await run('dlq', 'ls', 'jobs')).stdout, new RegExp(`${failing}\\s+failed\\s+1`));
    assert.equal((await run('dlq', 'rm', 'jobs', failing)).code, 0);
    assert.match((await run('dlq', 'ls', 'jobs')).stdout, /no dead letters/);
    const missing = await run('dlq', 'retry', 'jobs', failing);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /NUBO_ERR_QUEUE_DEAD_LETTER_NOT_FOUND/);

    const added = await run(
      'schedule',
      'add',
      'jobs',
      'nightly',
      '--cron',
      '0 3 * * *',
      '--timezone',
      'Europe/Berlin',
      '-d',
      '{"job":"x"}',
    );
    assert.equal(added.code, 0, added.stderr);
    assert.match((await run('schedule', 'ls', 'jobs')).stdout, /nightly\s+0 3 \* \* \*\s+Europe\/Berlin\s+\{"job":"x"\}/);
    const bad = await run('schedule', 'add', 'jobs', 'broken', '--cron', 'every minute');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /NUBO_ERR_SCHEDULE_INVALID/);
    assert.equal((await run('schedule', 'rm', 'jobs', 'nightly')).code, 0);
    assert.match((await run('schedule', 'ls', 'jobs')).stdout, /no schedules/);
  });

  it('shows quotas, and lets the admin set a user’s, whose deploys then keep fewer versions', async () => {
    const nubo = await startNubo();
    after(() => nubo.close());
    const adminHome = await tempDir('nubo-cli-home-');
    const userHome = await tempDir('nubo-cli-home-');
    const fnDir = await tempDir('nubo-cli-fn-');
    await writeFile(join(fnDir, 'index.mjs'), 'export const handler = async () => 1;\n');
    const asAdmin = (...args: string[]) => nuboCli({ XDG_CONFIG_HOME: adminHome, NUBO_URL: nubo.url }, ...args);
    const asUser = (...args: string[]) => nuboCli({ XDG_CONFIG_HOME: userHome, NUBO_URL: nubo.url }, ...args);
    assert.equal((await asAdmin('signup', '--username', 'root', '--password', 'password123')).code, 0);
    assert.equal((await asUser('signup', '--username', 'erin', '--password', 'password123')).code, 0);

    const own = await asUser('quotas');
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /functions\s+0\s+100\s/);
    const refused = await asUser('quotas', 'set', 'erin', '--functions', '1000');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /NUBO_ERR_AUTH_ADMIN_ONLY/);
    const bad = await asAdmin('quotas', 'set', 'erin', '--functions', 'lots');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--functions takes a whole number or "default"/);

    const set = await asAdmin('quotas', 'set', 'erin', '--versions-per-function', '2');
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /versionsPerFunction\s+0\s+2\s+admin/);
    for (const expected of [/version 1 /, /version 2 /]) assert.match((await asUser('deploy', 'kept', fnDir)).stdout, expected);
    const third = await asUser('deploy', 'kept', fnDir);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stdout, /removed old versions 1 \(your quota versionsPerFunction\)/);

    const back = await asAdmin('quotas', 'set', 'erin', '--versions-per-function', 'default');
    assert.match(back.stdout, /versionsPerFunction\s+2\s+50\s+default/);
    const shown = JSON.parse((await asAdmin('quotas', 'show', 'erin', '--json')).stdout);
    assert.deepEqual(shown.overrides, {});
    assert.equal(shown.usage.functions, 1);
  });

  it('says how to start Nubo when no server answers', async () => {
    const home = await tempDir('nubo-cli-home-');
    const res = await nuboCli({ XDG_CONFIG_HOME: home, NUBO_URL: 'http://127.0.0.1:9' }, 'ls');
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Cannot reach Nubo at http:\/\/127\.0\.0\.1:9.*npm start/);
  });

  it('names the bad variable when the server configuration is invalid', async () => {
    const res = await nuboCli({ NUBO_PORT: 'eighty', NUBO_DATA_DIR: await tempDir() }, 'server');
    assert.equal(res.code, 1);
    assert.match(res.stderr, /NUBO_PORT="eighty"/);
  });
});

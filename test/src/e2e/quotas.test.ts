import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { strToU8, zipSync } from 'fflate';
import { stackKind, startNubo, type TestNubo } from '../helpers/nubo.js';
import { call } from '../helpers/http.js';
import { eventually } from '../helpers/processes.js';

const quick = { 'index.mjs': 'export const handler = async () => "ok";' };
/** Holds its worker for as long as the event says, so queued events wait behind it. */
const slow = {
  'index.mjs': 'export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.holdMs ?? 0)); return "done"; };',
};
const managerMemoryMb = 1024;

describe(`one tenant cannot take what tenants share: per-user quotas (${stackKind})`, () => {
  let nubo: TestNubo;
  let admin: string;
  let mallory: string;
  let alice: string;

  /**
   * The admin sets mallory's quotas (a number, or null for the default), and waits until every
   * gateway holds her to them (each trusts what it read for 2 s).
   */
  const limit = async (quotas: Record<string, number | null>) => {
    const res = await nubo.call('PUT', '/v1/admin/users/mallory/quotas', { key: admin, body: quotas });
    assert.equal(res.status, 200, res.text);
    await eventually('every gateway applies the new quotas', async () => {
      const seen = await Promise.all(nubo.urls.map((url) => call(url, 'GET', '/v1/quotas', { key: mallory })));
      return seen.every((mine) => isDeepStrictEqual(mine.body.limits, res.body.limits));
    });
    return res.body;
  };
  const deploy = (key: string, name: string, extra: Record<string, unknown> = {}, files: Record<string, string> = quick) =>
    nubo.call('PUT', `/v1/functions/${name}`, {
      key,
      body: { runtime: 'node20', handler: 'index.handler', code: { files }, ...extra },
    });
  const refused = (res: { status: number; text: string; body: any }, status: number, code: string) => {
    assert.equal(res.status, status, res.text);
    assert.equal(res.body.error.code, code);
    assert.match(res.body.error.message, /^Your quota /, 'it speaks of the caller’s own quota');
  };

  before(async () => {
    nubo = await startNubo({ NUBO_MANAGER_MEMORY_MB: String(managerMemoryMb), NUBO_STEM_CELLS: '0' });
    admin = await nubo.signup('root');
    mallory = await nubo.signup('mallory');
    alice = await nubo.signup('alice');
  });
  after(() => nubo.close());

  it('tells each user its own quotas and use, and only the admin sets them', async () => {
    const mine = await nubo.call('GET', '/v1/quotas', { key: mallory });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.limits.functions, 100, 'the default');
    assert.equal(mine.body.usage.apiKeys, 1, 'the key of her sign-up');
    const set = await nubo.call('PUT', '/v1/admin/users/alice/quotas', { key: mallory, body: { functions: 1000 } });
    assert.equal(set.status, 403, set.text);
    assert.equal(set.body.error.code, 'NUBO_ERR_AUTH_ADMIN_ONLY');
    const report = await limit({ functions: 3 });
    assert.deepEqual(report.overrides, { functions: 3 });
    assert.equal(report.limits.functions, 3);
    assert.equal((await limit({ functions: null })).limits.functions, 100, 'null puts the default back');
    for (const body of [{ functions: -1 }, { nonsense: 2 }, { apiKeys: 'many' }]) {
      const bad = await nubo.call('PUT', '/v1/admin/users/mallory/quotas', { key: admin, body });
      assert.equal(bad.status, 400, bad.text);
      assert.equal(bad.body.error.code, 'NUBO_ERR_REQUEST_INVALID');
    }
    const nobody = await nubo.call('PUT', '/v1/admin/users/nobody/quotas', { key: admin, body: { functions: 1 } });
    assert.equal(nobody.status, 404, nobody.text);
    assert.equal(nobody.body.error.code, 'NUBO_ERR_AUTH_USER_NOT_FOUND');
  });

  it('reserves no more warm memory than her quota, and tells her nothing of what others reserve', async () => {
    await limit({ warmMemoryMb: 512 });
    const over = await deploy(mallory, 'hog', { minWarm: 5, memoryMb: 128 });
    refused(over, 409, 'NUBO_ERR_QUOTA_WARM_MEMORY');
    assert.deepEqual([over.body.error.limit, over.body.error.used], [512, 640]);
    assert.equal((await deploy(mallory, 'hog', { minWarm: 4, memoryMb: 128 })).status, 201, 'up to her quota');
    // With a quota larger than the cluster, what does not fit is refused without the cluster's numbers.
    await limit({ warmMemoryMb: 1_000_000 });
    const beyond = await deploy(mallory, 'huge', { minWarm: 50, memoryMb: 1024 });
    assert.equal(beyond.status, 409, beyond.text);
    assert.equal(beyond.body.error.code, 'NUBO_ERR_DEPLOY_NO_WARM_CAPACITY');
    for (const field of ['free', 'reserved', 'room']) assert.equal(beyond.body.error[field], undefined, field);
    assert.doesNotMatch(beyond.body.error.message, /free|reserve/);
    assert.equal((await deploy(mallory, 'hog', { minWarm: 0 })).status, 200);
    await limit({ warmMemoryMb: null });
    // Another tenant deploys and cold-starts as before.
    assert.equal((await deploy(alice, 'fine')).status, 201);
    assert.equal((await nubo.invoke(alice, 'fine')).status, 200);
  });

  it('holds her to her functions, versions kept and unpacked code', async () => {
    const held = (await nubo.call('GET', '/v1/quotas', { key: mallory })).body.usage.functions;
    await limit({ functions: held + 1, versionsPerFunction: 2, codeMb: 1 });
    assert.equal((await deploy(mallory, 'one')).status, 201);
    refused(await deploy(mallory, 'two'), 409, 'NUBO_ERR_QUOTA_FUNCTIONS');
    // Versions past the quota: the oldest inactive ones go, and the deploy says which.
    assert.deepEqual((await deploy(mallory, 'one')).body.removedVersions, []);
    const third = await deploy(mallory, 'one');
    assert.equal(third.status, 200, third.text);
    assert.deepEqual(third.body.removedVersions, [1]);
    const detail = (await nubo.call('GET', '/v1/functions/one', { key: mallory })).body;
    assert.deepEqual(
      detail.versions.map((v: { version: number }) => v.version),
      [2, 3],
    );
    // 8 KiB zipped, 2 MiB unpacked: the code quota counts it unpacked.
    const zip = zipSync({ 'index.mjs': strToU8(quick['index.mjs']), 'pad.bin': new Uint8Array(2 * 1024 * 1024) }, { level: 9 });
    const big = await nubo.call('PUT', '/v1/functions/one', {
      key: mallory,
      body: { runtime: 'node20', handler: 'index.handler', code: { zip: Buffer.from(zip).toString('base64') } },
    });
    refused(big, 409, 'NUBO_ERR_QUOTA_CODE');
    assert.ok(zip.length < 64 * 1024);
    const theirs = await nubo.call('DELETE', '/v1/functions/one/versions/2', { key: alice });
    assert.equal(theirs.status, 404, 'another tenant’s function is not found');
    assert.equal(theirs.body.error.code, 'NUBO_ERR_FUNCTION_NOT_FOUND');
    const never = await nubo.call('DELETE', '/v1/functions/one/versions/99', { key: mallory });
    assert.equal(never.status, 404, never.text);
    assert.equal(never.body.error.code, 'NUBO_ERR_FUNCTION_VERSION_NOT_FOUND');
    const removed = await nubo.call('DELETE', '/v1/functions/one/versions/2', { key: mallory });
    assert.equal(removed.status, 204, removed.text);
    const active = await nubo.call('DELETE', '/v1/functions/one/versions/3', { key: mallory });
    assert.equal(active.status, 409, active.text);
    assert.equal(active.body.error.code, 'NUBO_ERR_FUNCTION_VERSION_ACTIVE');
    await limit({ functions: null, versionsPerFunction: null, codeMb: null });
  });

  it('queues no more of her events, nor bytes, than her quotas, over all her functions', async () => {
    await limit({ queuedEvents: 3, queuedMb: 1 });
    assert.equal((await deploy(mallory, 'queued', { maxConcurrency: 1, asyncConcurrency: 1 }, slow)).status, 201);
    const queue = (event: unknown) =>
      nubo.call('POST', '/v1/functions/queued/invoke', {
        key: mallory,
        body: event,
        headers: { 'x-nubo-invocation-type': 'async' },
      });
    for (let i = 0; i < 3; i++) assert.equal((await queue({ holdMs: 3000 })).status, 202);
    refused(await queue({}), 429, 'NUBO_ERR_QUOTA_QUEUED_EVENTS');
    await limit({ queuedEvents: 100 });
    refused(await queue({ pad: 'x'.repeat(1024 * 1024) }), 429, 'NUBO_ERR_QUOTA_QUEUED_BYTES');
    // Alice's events are hers to count.
    assert.equal((await deploy(alice, 'later')).status, 201);
    const hers = await nubo.call('POST', '/v1/functions/later/invoke', {
      key: alice,
      body: {},
      headers: { 'x-nubo-invocation-type': 'async' },
    });
    assert.equal(hers.status, 202, hers.text);
    const usage = (await nubo.call('GET', '/v1/quotas', { key: mallory })).body.usage;
    assert.equal(usage.queuedEvents, 3);
    assert.equal((await nubo.call('DELETE', '/v1/functions/queued', { key: mallory })).status, 204);
    await eventually('a removed function’s events no longer count', async () => {
      const now = (await nubo.call('GET', '/v1/quotas', { key: mallory })).body.usage;
      return now.queuedEvents === 0;
    });
    await limit({ queuedEvents: null, queuedMb: null });
  });

  it('holds her schedules to their number and to a tick a minute, however they are added', async () => {
    await limit({ schedules: 2 });
    assert.equal((await deploy(mallory, 'cron')).status, 201);
    const put = (name: string, cron: string) =>
      nubo.call('PUT', `/v1/functions/cron/schedules/${name}`, { key: mallory, body: { cron, event: {} } });
    refused(await put('fast', '* * * * * *'), 409, 'NUBO_ERR_QUOTA_SCHEDULE_INTERVAL');
    refused(await put('twice-a-minute', '*/30 * * * * *'), 409, 'NUBO_ERR_QUOTA_SCHEDULE_INTERVAL');
    assert.equal((await put('a', '*/5 * * * *')).status, 200);
    assert.equal((await put('b', '0 * * * *')).status, 200);
    refused(await put('c', '0 3 * * *'), 409, 'NUBO_ERR_QUOTA_SCHEDULES');
    assert.equal((await put('b', '0 4 * * *')).status, 200, 'replacing one takes nothing more');
    const viaDeploy = await deploy(mallory, 'cron2', {
      schedules: ['x', 'y', 'z'].map((name) => ({ name, cron: '0 * * * *' })),
    });
    refused(viaDeploy, 409, 'NUBO_ERR_QUOTA_SCHEDULES');
    await limit({ schedules: null });
  });

  it('opens no more live tails than her quota (on this gateway)', async () => {
    await limit({ logTails: 2 });
    assert.equal((await deploy(mallory, 'tailed')).status, 201);
    // Her calls stick to one gateway, where the tails are counted.
    const gateway = nubo.urls[0]!;
    const open = async () => {
      const controller = new AbortController();
      const res = await fetch(`${gateway}/v1/functions/tailed/logs/tail`, {
        headers: { authorization: `Bearer ${mallory}` },
        signal: controller.signal,
      });
      return { res, close: () => controller.abort() };
    };
    const first = await open();
    const second = await open();
    assert.equal(first.res.status, 200);
    assert.equal(second.res.status, 200);
    const third = await open();
    assert.equal(third.res.status, 429);
    assert.equal(((await third.res.json()) as { error: { code: string } }).error.code, 'NUBO_ERR_QUOTA_LOG_TAILS');
    first.close();
    const again = await eventually('a closed tail frees its place', async () => {
      const tail = await open();
      if (tail.res.status === 200) return tail;
      await tail.res.body?.cancel();
      return false;
    });
    again.close();
    second.close();
    await limit({ logTails: null });
  });

  it('holds her to her API keys', async () => {
    const keys = (await nubo.call('GET', '/v1/keys', { key: mallory })).body.length;
    await limit({ apiKeys: keys + 1 });
    assert.equal((await nubo.call('POST', '/v1/keys', { key: mallory, body: { name: 'ci' } })).status, 201);
    refused(await nubo.call('POST', '/v1/keys', { key: mallory, body: { name: 'more' } }), 409, 'NUBO_ERR_QUOTA_API_KEYS');
    const login = await nubo.call('POST', '/v1/auth/login', { body: { username: 'mallory', password: 'correct horse battery' } });
    refused(login, 409, 'NUBO_ERR_QUOTA_API_KEYS');
    await limit({ apiKeys: null });
  });
});

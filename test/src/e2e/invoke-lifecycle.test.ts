import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { probeHandler, versionHandler } from '../helpers/handlers.js';
import { startNubo, type TestNubo } from '../helpers/nubo.js';

describe('deploy and invoke through the HTTP API', () => {
  let nubo: TestNubo;
  let key: string;

  after(() => nubo.close());
  before(async () => {
    nubo = await startNubo();
    key = await nubo.signup('alice');
    await nubo.deploy(key, 'probe', { 'index.mjs': probeHandler }, { env: { GREETING: 'hi' }, memoryMb: 128, timeoutMs: 1500 });
  });

  it('serves the first call cold and the second warm on the same worker, each logged once', async () => {
    const first = await nubo.invoke(key, 'probe', { name: 'x' });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.headers.get('x-nubo-cold-start'), 'true');
    assert.ok(Number(first.headers.get('x-nubo-duration-ms')) > 0);
    const second = await nubo.invoke(key, 'probe', { name: 'y' });
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-nubo-cold-start'), 'false');
    assert.equal(second.body.worker, first.body.worker, 'the warm call reuses the worker');
    assert.deepEqual(second.body.echo, { name: 'y' });
    assert.equal(second.body.context.requestId, second.headers.get('x-nubo-request-id'));
    assert.equal(second.body.context.functionName, 'probe');
    assert.equal(second.body.context.functionVersion, '1');
    assert.equal(second.body.context.memoryLimitInMB, 128);
    assert.ok(second.body.context.remaining > 0 && second.body.context.remaining <= 1500);

    const logs = await nubo.call('GET', '/v1/functions/probe/logs', { key });
    assert.equal(logs.status, 200);
    const ids = [first.headers.get('x-nubo-request-id'), second.headers.get('x-nubo-request-id')];
    const mine = logs.body.filter((r: any) => ids.includes(r.requestId));
    assert.equal(mine.length, 2);
    const [warm, cold] = mine;
    assert.equal(warm.requestId, ids[1], 'newest first');
    assert.equal(cold.cold, true);
    assert.equal(warm.cold, false);
    assert.ok(cold.initMs > 0, 'a cold start records its init time');
    assert.equal(warm.initMs, null);
    for (const record of mine) {
      assert.equal(record.status, 'ok');
      assert.equal(record.version, 1);
      assert.ok(record.durationMs > 0);
      assert.ok(record.memoryUsedMb > 0);
      assert.equal(record.memoryLimitMb, 128);
      assert.equal(record.workerId, cold.workerId);
    }
    const one = await nubo.call('GET', `/v1/invocations/${ids[0]}`, { key });
    assert.equal(one.status, 200);
    assert.equal(one.body.requestId, ids[0]);
    assert.equal(one.body.cold, true);
  });

  it("gives the function its env and none of the platform's", async () => {
    process.env.NUBO_TEST_SECRET = 'leak';
    const res = await nubo.invoke(key, 'probe');
    assert.equal(res.body.env.GREETING, 'hi');
    assert.equal(res.body.env.NUBO_TEST_SECRET, undefined);
    assert.deepEqual(
      Object.keys(res.body.env).filter((name) => name.startsWith('NUBO_')),
      [],
    );
    assert.ok(res.body.cwd.length > 0);
  });

  it('captures what the handler prints, per invocation', async () => {
    const res = await nubo.invoke(key, 'probe', { print: 'only-in-this-call' });
    const record = (await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key })).body;
    assert.equal(record.logs, 'only-in-this-call\n');
    const next = await nubo.invoke(key, 'probe');
    const nextRecord = (await nubo.call('GET', `/v1/invocations/${next.headers.get('x-nubo-request-id')}`, { key })).body;
    assert.equal(nextRecord.logs, '');
  });

  it('answers a function error with 502 and logs status error', async () => {
    const res = await nubo.invoke(key, 'probe', { fail: 'bad things' });
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_FUNCTION_ERROR');
    assert.equal(res.body.error.message, 'bad things');
    assert.equal(res.body.error.type, 'TypeError');
    const record = (await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key })).body;
    assert.equal(record.status, 'error');
    assert.equal(record.errorType, 'TypeError');
    assert.equal(record.errorMessage, 'bad things');
    const again = await nubo.invoke(key, 'probe');
    assert.equal(again.headers.get('x-nubo-cold-start'), 'false', 'a function error does not cost the worker');
  });

  it('answers a timeout with 504, logs status timeout and destroys the worker', async () => {
    const warm = await nubo.invoke(key, 'probe');
    const { workerId } = (await nubo.call('GET', `/v1/invocations/${warm.headers.get('x-nubo-request-id')}`, { key })).body;
    const res = await nubo.invoke(key, 'probe', { spin: true });
    assert.equal(res.status, 504);
    assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_TIMEOUT');
    const record = (await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key })).body;
    assert.equal(record.status, 'timeout');
    assert.equal(record.workerId, workerId);
    assert.equal(nubo.workerRunning(workerId), false, 'the timed-out worker is gone');
    const next = await nubo.invoke(key, 'probe');
    assert.equal(next.status, 200);
    assert.notEqual(next.body.worker, warm.body.worker);
    assert.equal(next.headers.get('x-nubo-cold-start'), 'true');
  });

  it('reports a crash with 502 and status crash, and recovers on a new worker', async () => {
    const previous = await nubo.invoke(key, 'probe');
    const res = await nubo.invoke(key, 'probe', { crash: true });
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'NUBO_ERR_INVOKE_CRASH');
    const record = (await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key })).body;
    assert.equal(record.status, 'crash');
    assert.match(record.errorMessage, /exit code 3/);
    const next = await nubo.invoke(key, 'probe');
    assert.equal(next.status, 200);
    assert.notEqual(next.body.worker, previous.body.worker);
    assert.equal(next.headers.get('x-nubo-cold-start'), 'true');
  });

  it('retries once on a new worker when an idle worker died before the call reached it', async () => {
    const warm = await nubo.invoke(key, 'probe');
    const { workerId } = (await nubo.call('GET', `/v1/invocations/${warm.headers.get('x-nubo-request-id')}`, { key })).body;
    await nubo.killWorker(workerId);
    const res = await nubo.invoke(key, 'probe', { n: 1 });
    assert.equal(res.status, 200, res.text);
    assert.notEqual(res.body.worker, warm.body.worker);
    assert.equal(res.body.calls, 1, 'the handler ran exactly once');
  });

  it('runs the new version after a deploy and retires the old workers', async () => {
    const key2 = await nubo.signup('versioner');
    await nubo.deploy(key2, 'ver', { 'index.mjs': versionHandler('one') });
    assert.deepEqual((await nubo.invoke(key2, 'ver')).body, { tag: 'one' });
    const second = await nubo.deploy(key2, 'ver', { 'index.mjs': versionHandler('two') });
    assert.equal(second.status, 200);
    assert.equal(second.body.version.version, 2);
    const res = await nubo.invoke(key2, 'ver');
    assert.deepEqual(res.body, { tag: 'two' });
    assert.equal(res.headers.get('x-nubo-cold-start'), 'true');
    const detail = await nubo.call('GET', '/v1/functions/ver', { key: key2 });
    assert.equal(detail.body.activeVersion, 2);
    assert.deepEqual(
      detail.body.versions.map((v: any) => v.version),
      [1, 2],
    );
    assert.equal(detail.body.liveWorkers, 1, 'the version 1 worker was retired');
  });

  it('removes a function with its workers and code, and keeps its logs', async () => {
    const key3 = await nubo.signup('remover');
    await nubo.deploy(key3, 'gone', { 'index.mjs': `${probeHandler}\n// only this function uses this code\n` });
    const res = await nubo.invoke(key3, 'gone');
    const { workerId } = (await nubo.call('GET', `/v1/invocations/${res.headers.get('x-nubo-request-id')}`, { key: key3 })).body;
    const digest = (await nubo.call('GET', '/v1/functions/gone', { key: key3 })).body.versions[0].codeDigest;
    assert.equal((await nubo.call('DELETE', '/v1/functions/gone', { key: key3 })).status, 204);
    assert.equal(nubo.workerRunning(workerId), false, 'its worker is gone');
    assert.equal((await nubo.call('GET', '/v1/functions/gone', { key: key3 })).status, 404);
    assert.equal((await nubo.invoke(key3, 'gone')).status, 404);
    assert.equal((await nubo.call('GET', '/v1/functions', { key: key3 })).body.length, 0);
    const logs = await nubo.call('GET', '/v1/functions/gone/logs', { key: key3 });
    assert.equal(logs.status, 200);
    assert.equal(logs.body.length, 1);
    assert.equal(await nubo.codeStore.has(digest), false, 'its code is gone');
  });

  it('computes stats over the invocations', async () => {
    const key4 = await nubo.signup('statistician');
    await nubo.deploy(key4, 'counted', { 'index.mjs': probeHandler });
    for (let i = 0; i < 4; i++) await nubo.invoke(key4, 'counted');
    await nubo.invoke(key4, 'counted', { fail: 'x' });
    const stats = await nubo.call('GET', '/v1/functions/counted/stats', { key: key4 });
    assert.equal(stats.status, 200);
    assert.equal(stats.body.count, 5);
    assert.equal(stats.body.errorCount, 1);
    assert.equal(stats.body.coldCount, 1);
    assert.equal(stats.body.coldRatio, 0.2);
    assert.ok(stats.body.p50Ms <= stats.body.p95Ms && stats.body.p95Ms <= stats.body.p99Ms);
    const coldOnly = await nubo.call('GET', '/v1/functions/counted/logs?cold=true', { key: key4 });
    assert.equal(coldOnly.body.length, 1);
    const limited = await nubo.call('GET', '/v1/functions/counted/logs?limit=2', { key: key4 });
    assert.equal(limited.body.length, 2);
    const older = await nubo.call('GET', `/v1/functions/counted/logs?before=${limited.body[1].startedAt}`, { key: key4 });
    assert.ok(older.body.every((r: any) => r.startedAt < limited.body[1].startedAt));
  });

  it('serves health, metrics and the OpenAPI document', async () => {
    assert.deepEqual((await nubo.call('GET', '/healthz')).body, { ok: true });
    const metrics = await nubo.call('GET', '/metrics');
    assert.match(metrics.text, /nubo_invocations_total\{status="ok",start="cold"\}/);
    assert.match(metrics.text, /nubo_workers \d+/);
    const openapi = await nubo.call('GET', '/openapi.json');
    assert.equal(openapi.status, 200);
    assert.ok(openapi.body.openapi.startsWith('3.'));
    const deploy = openapi.body.paths['/v1/functions/{name}'].put;
    assert.ok(deploy.requestBody.content['application/json'].schema.properties.handler, 'the deploy schema is documented');
  });
});

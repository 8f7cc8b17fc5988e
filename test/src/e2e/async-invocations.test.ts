import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { derivedRequestId } from '@nubo/core';
import { probeHandler } from '../helpers/handlers.js';
import { startNubo, type TestNubo } from '../helpers/nubo.js';
import { eventually } from '../helpers/processes.js';

const asyncHeader = { 'x-nubo-invocation-type': 'async' };
const files = { 'index.mjs': probeHandler };
/** Fails with the version's FAIL variable until a deploy without it: a bug, fixed by the next version. */
const flaky = (fail: boolean) => ({
  'index.mjs': `export const handler = async (e) => { if (${fail}) throw new Error('broken v'); return { fixed: e }; };`,
});

interface AsyncState {
  requestId: string;
  status: string;
  trigger: string;
  acceptedAt: number;
  attempts: { attempt: number; status: string; startedAt: number; durationMs: number | null; errorType: string | null }[];
  result?: any;
  error?: { type: string; message: string };
  deadLetter: boolean;
}

describe('asynchronous invocations, dead letters, destinations and schedules', () => {
  let nubo: TestNubo;
  let key: string;

  const queue = (name: string, event: unknown = {}, headers: Record<string, string> = {}) =>
    nubo.call('POST', `/v1/functions/${name}/invoke`, { key, body: event, headers: { ...asyncHeader, ...headers } });
  const state = async (id: string, who = key) => (await nubo.call<AsyncState>('GET', `/v1/invocations/${id}`, { key: who })).body;
  const finished = (id: string, timeoutMs = 20_000) =>
    eventually(
      `${id} finished`,
      async () => {
        const s = await state(id);
        return ['ok', 'failed', 'expired'].includes(s.status) ? s : false;
      },
      timeoutMs,
    );
  const records = async (name: string, limit = 1000) =>
    (await nubo.call('GET', `/v1/functions/${name}/logs?limit=${limit}`, { key })).body as any[];

  before(async () => {
    nubo = await startNubo();
    key = await nubo.signup('asa');
  });
  after(() => nubo.close());

  it('queues an event (202, Location), runs it on the pool, and keeps its status, result and record', async () => {
    await nubo.deploy(key, 'probe', files);
    const res = await queue('probe', { hello: 'later' });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.status, 'queued');
    assert.equal(res.body.duplicate, false);
    assert.equal(res.headers.get('location'), `/v1/invocations/${res.body.requestId}`);
    assert.equal(res.headers.get('x-nubo-request-id'), res.body.requestId);
    const done = await finished(res.body.requestId);
    assert.equal(done.status, 'ok');
    assert.equal(done.trigger, 'async');
    assert.deepEqual(done.result.echo, { hello: 'later' });
    assert.equal(done.result.context.requestId, res.body.requestId, "the handler's request id is the event's");
    assert.deepEqual(
      done.attempts.map((a) => [a.attempt, a.status]),
      [[1, 'ok']],
    );
    const record = await eventually('the record is written', async () =>
      (await records('probe')).find((r) => r.requestId === res.body.requestId),
    );
    assert.equal(record.trigger, 'async');
    assert.equal(record.attempt, 1);
    assert.ok(record.queueMs >= 0);
    const stats = (await nubo.call('GET', '/v1/functions/probe/stats', { key })).body;
    assert.ok(stats.count >= 1, 'stats count async work');
  });

  it('retries with backoff, dead-letters after the last retry, and a retry from the list runs the fixed version', async () => {
    await nubo.deploy(key, 'flaky', flaky(true), { maxRetries: 2, retryBackoffMs: 300 });
    const id = (await queue('flaky', { n: 1 })).body.requestId;
    const dead = await finished(id);
    assert.equal(dead.status, 'failed');
    assert.equal(dead.deadLetter, true);
    assert.equal(dead.error?.message, 'broken v');
    assert.deepEqual(
      dead.attempts.map((a) => [a.attempt, a.status]),
      [
        [1, 'error'],
        [2, 'error'],
        [3, 'error'],
      ],
    );
    const [a1, a2, a3] = dead.attempts;
    // startedAt is in whole milliseconds (cut down) and durationMs is not, so an end reads up to 1 ms late.
    const waited = (before: typeof a1, after: typeof a2) => after!.startedAt - (before!.startedAt + before!.durationMs!) + 1;
    assert.ok(waited(a1, a2) >= 300, `the first retry waited the backoff (${waited(a1, a2)} ms)`);
    assert.ok(waited(a2, a3) >= 600, `the second waited twice as long (${waited(a2, a3)} ms)`);
    const letters = (await nubo.call('GET', '/v1/functions/flaky/dead-letters', { key })).body.deadLetters;
    assert.deepEqual(
      letters.map((l: AsyncState) => l.requestId),
      [id],
    );
    // Each gateway writes its records shortly after (in batches): wait for all three.
    const attemptRecords = await eventually('every attempt is a record of its own', async () => {
      const mine = (await records('flaky')).filter((r) => r.requestId === id);
      return mine.length === 3 ? mine : false;
    });
    assert.deepEqual(attemptRecords.map((r) => r.attempt).sort(), [1, 2, 3]);

    await nubo.deploy(key, 'flaky', flaky(false), { maxRetries: 2, retryBackoffMs: 300 });
    const retried = await nubo.call('POST', `/v1/functions/flaky/dead-letters/${id}/retry`, { key });
    assert.equal(retried.status, 202, retried.text);
    const ok = await finished(id);
    assert.equal(ok.status, 'ok');
    assert.deepEqual(ok.result, { fixed: { n: 1 } });
    assert.equal(ok.attempts.at(-1)?.attempt, 4);
    assert.deepEqual((await nubo.call('GET', '/v1/functions/flaky/dead-letters', { key })).body.deadLetters, []);
    const again = await nubo.call('POST', `/v1/functions/flaky/dead-letters/${id}/retry`, { key });
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'NUBO_ERR_QUEUE_DEAD_LETTER_NOT_FOUND');
  });

  it('expires an event that waited longer than maxEventAgeMs, without running it', async () => {
    await nubo.deploy(key, 'slow', files, { asyncConcurrency: 1, maxConcurrency: 2, maxEventAgeMs: 1000, maxRetries: 0 });
    const first = (await queue('slow', { sleepMs: 2000 })).body.requestId;
    const second = (await queue('slow', { second: true })).body.requestId;
    const expired = await finished(second);
    assert.equal(expired.status, 'expired');
    assert.equal(expired.error?.type, 'EventAgeExceeded');
    assert.deepEqual(expired.attempts, [], 'it never ran');
    assert.equal((await finished(first)).status, 'ok');
    const letters = (await nubo.call('GET', '/v1/functions/slow/dead-letters', { key })).body.deadLetters;
    assert.ok(letters.some((l: AsyncState) => l.requestId === second && l.status === 'expired'));
    assert.equal(
      (await nubo.call('DELETE', `/v1/functions/slow/dead-letters/${second}`, { key })).status,
      204,
      'a dead letter can be removed',
    );
    assert.equal((await nubo.call('DELETE', `/v1/functions/slow/dead-letters/${second}`, { key })).status, 404);
  });

  it('runs an event once per idempotency key', async () => {
    const one = await queue('probe', { idem: 1 }, { 'idempotency-key': 'order-42' });
    const two = await queue('probe', { idem: 2 }, { 'idempotency-key': 'order-42' });
    assert.equal(two.status, 202);
    assert.equal(two.body.requestId, one.body.requestId);
    assert.equal(two.body.duplicate, true);
    const done = await finished(one.body.requestId);
    assert.deepEqual(done.result.echo, { idem: 1 }, "the first request's event");
    const three = await queue('probe', { idem: 3 }, { 'idempotency-key': 'order-42' });
    assert.equal(three.body.requestId, one.body.requestId);
    assert.equal(three.body.status, 'ok', 'a repeat after the run answers its status');
    await eventually('its record is written', async () =>
      (await records('probe')).some((r) => r.requestId === one.body.requestId),
    );
    assert.equal((await records('probe')).filter((r) => r.requestId === one.body.requestId).length, 1, 'it ran once');
  });

  it('answers 429 NUBO_ERR_QUEUE_FULL past maxQueuedEvents', async () => {
    await nubo.deploy(key, 'narrow', files, { asyncConcurrency: 1, maxQueuedEvents: 2 });
    assert.equal((await queue('narrow', { sleepMs: 3000 })).status, 202);
    assert.equal((await queue('narrow', {})).status, 202);
    const full = await queue('narrow', {});
    assert.equal(full.status, 429);
    assert.equal(full.body.error.code, 'NUBO_ERR_QUEUE_FULL');
    assert.match(full.body.error.message, /maxQueuedEvents/);
  });

  it('keeps a 200-event burst to asyncConcurrency workers while synchronous calls are served', async () => {
    await nubo.deploy(key, 'burst', files, { asyncConcurrency: 2, maxConcurrency: 4 });
    const accepted = await Promise.all(Array.from({ length: 200 }, (_, i) => queue('burst', { i, sleepMs: 20 })));
    assert.ok(
      accepted.every((r) => r.status === 202),
      'all accepted',
    );
    const ids = accepted.map((r) => r.body.requestId as string);
    let syncCalls = 0;
    const giveUp = Date.now() + 60_000;
    while ((await records('burst')).filter((r) => r.trigger === 'async').length < 200) {
      assert.ok(Date.now() < giveUp, 'the 200 events ran within a minute');
      const sync = await nubo.invoke(key, 'burst', { sync: true });
      assert.equal(sync.status, 200, `a synchronous call is served during the backlog: ${sync.text}`);
      syncCalls++;
    }
    assert.ok(syncCalls > 0);
    const asyncRecords = (await records('burst')).filter((r) => r.trigger === 'async');
    assert.equal(new Set(asyncRecords.map((r) => r.requestId)).size, 200);
    assert.ok(asyncRecords.every((r) => r.status === 'ok'));
    // At any moment, at most 2 async attempts held a worker. startedAt is whole milliseconds, so an
    // attempt surely ran from startedAt + 1 to startedAt + durationMs.
    const edges = asyncRecords.flatMap((r) => [
      [r.startedAt + 1, 1],
      [r.startedAt + r.durationMs, -1],
    ]);
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    let most = 0;
    for (const [, delta] of edges) {
      open += delta;
      most = Math.max(most, open);
    }
    assert.ok(most <= 2, `at most asyncConcurrency (2) at once, saw ${most}`);
    assert.equal((await state(ids[0]!)).status, 'ok');
  });

  it("sends Lambda's destination record to onSuccess and onFailure", async () => {
    await nubo.deploy(key, 'sink', files);
    await nubo.deploy(key, 'source', flaky(false), { onSuccess: 'sink', onFailure: 'sink', maxRetries: 0 });
    const id = (await queue('source', { order: 7 })).body.requestId;
    await finished(id);
    const delivered = await finished(derivedRequestId(`destination/${id}/Success`));
    const record = delivered.result.echo;
    assert.equal(record.version, '1.0');
    assert.equal(record.requestContext.requestId, id);
    assert.equal(record.requestContext.condition, 'Success');
    assert.equal(record.requestContext.approximateInvokeCount, 1);
    assert.match(record.requestContext.functionArn, /:function:source:\$LATEST$/);
    assert.deepEqual(record.requestPayload, { order: 7 });
    assert.deepEqual(record.responsePayload, { fixed: { order: 7 } });

    await nubo.deploy(key, 'source', flaky(true), { onSuccess: 'sink', onFailure: 'sink', maxRetries: 0 });
    const failedId = (await queue('source', { order: 8 })).body.requestId;
    assert.equal((await finished(failedId)).status, 'failed');
    const failure = (await finished(derivedRequestId(`destination/${failedId}/RetriesExhausted`))).result.echo;
    assert.equal(failure.requestContext.condition, 'RetriesExhausted');
    assert.equal(failure.responseContext.functionError, 'Unhandled');
    assert.deepEqual(failure.responsePayload, { errorType: 'Error', errorMessage: 'broken v' });
  });

  it('stops a loop of destinations after 16 calls, dead-letters the last event and counts it', async () => {
    // One function that is its own onSuccess, and two that are each other's (answering little, so only the loop can stop them).
    const quiet = { 'index.mjs': 'export const handler = async () => "ok";' };
    await nubo.deploy(key, 'ouroboros', quiet, { onSuccess: 'ouroboros', maxRetries: 0 });
    await nubo.deploy(key, 'ping', quiet, { maxRetries: 0 });
    await nubo.deploy(key, 'pong', quiet, { onSuccess: 'ping', maxRetries: 0 });
    await nubo.deploy(key, 'ping', quiet, { onSuccess: 'pong', maxRetries: 0 });
    for (const [start, names] of [
      ['ouroboros', ['ouroboros']],
      ['ping', ['ping', 'pong']],
    ] as const) {
      await queue(start, { loop: start });
      const stopped = await eventually(`the ${start} loop is stopped`, async () => {
        const letters = await Promise.all(
          names.map(async (name) => (await nubo.call('GET', `/v1/functions/${name}/dead-letters`, { key })).body.deadLetters),
        );
        return letters.flat().find((letter: AsyncState) => letter.error?.type === 'RecursiveInvocationLoop');
      });
      assert.match(stopped.error.message, /16th of one chain/);
      // Another gateway's records may still be on their way.
      const calls = await eventually('every record of the chain is stored', async () => {
        const all = (await Promise.all(names.map((name) => records(name)))).flat();
        return all.length >= 16 && all;
      });
      assert.equal(calls.length, 16, 'sixteen calls, then none');
    }
    const metrics = await nubo.call('GET', '/metrics');
    const stoppedCount = nubo.urls.length > 1 ? null : /nubo_destination_loops_stopped_total (\d+)/.exec(metrics.text)?.[1];
    if (stoppedCount !== null) assert.equal(stoppedCount, '2', 'each stop is counted');
  });

  it('runs schedules as asynchronous invocations with trigger schedule, managed over the API', async () => {
    // Per-second schedules are past the default quota (one tick a minute at most): the admin allows them.
    assert.equal((await nubo.call('PUT', '/v1/admin/users/asa/quotas', { key, body: { scheduleMinIntervalS: 1 } })).status, 200);
    await nubo.deploy(key, 'cron', files, {
      schedules: [{ name: 'every-second', cron: '* * * * * *', event: { from: 'schedule' } }],
    });
    const detail = (await nubo.call('GET', '/v1/functions/cron', { key })).body;
    assert.deepEqual(detail.schedules, [
      { name: 'every-second', cron: '* * * * * *', timezone: 'UTC', event: { from: 'schedule' } },
    ]);
    const ran = await eventually('two ticks ran', async () => {
      const scheduled = (await records('cron')).filter((r) => r.trigger === 'schedule');
      return scheduled.length >= 2 ? scheduled : false;
    });
    const tick = await state(ran[0].requestId);
    assert.equal(tick.trigger, 'schedule');
    assert.deepEqual(tick.result.echo, { from: 'schedule' });
    assert.equal(tick.acceptedAt % 1000, 0, 'accepted at its tick');

    const put = await nubo.call('PUT', '/v1/functions/cron/schedules/nightly', {
      key,
      body: { cron: '0 3 * * *', timezone: 'Europe/Berlin' },
    });
    assert.equal(put.status, 200, put.text);
    assert.equal((await nubo.call('DELETE', '/v1/functions/cron/schedules/every-second', { key })).status, 204);
    assert.deepEqual(
      (await nubo.call('GET', '/v1/functions/cron/schedules', { key })).body.schedules.map((s: { name: string }) => s.name),
      ['nightly'],
    );
    await nubo.deploy(key, 'cron', files);
    assert.deepEqual(
      (await nubo.call('GET', '/v1/functions/cron/schedules', { key })).body.schedules.map((s: { name: string }) => s.name),
      ['nightly'],
      'a deploy without schedules keeps them',
    );
  });

  it('refuses bad input with a 4xx and the reason', async () => {
    const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
      ['invocation type', queue('probe', {}, { 'x-nubo-invocation-type': 'later' }), 400, 'NUBO_ERR_REQUEST_INVALID'],
      ['idempotency key', queue('probe', {}, { 'idempotency-key': 'x'.repeat(300) }), 400, 'NUBO_ERR_REQUEST_INVALID'],
      ['unknown function', queue('nope', {}), 404, 'NUBO_ERR_FUNCTION_NOT_FOUND'],
      [
        'unknown invocation',
        nubo.call('GET', '/v1/invocations/8f14e45f-ceea-4e7a-9f1a-1c2b3d4e5f60', { key }),
        404,
        'NUBO_ERR_INVOCATION_NOT_FOUND',
      ],
      [
        'asyncConcurrency above maxConcurrency',
        nubo.call('PUT', '/v1/functions/bad', {
          key,
          body: { runtime: 'node22', handler: 'index.handler', code: { files }, maxConcurrency: 2, asyncConcurrency: 3 },
        }),
        400,
        'NUBO_ERR_DEPLOY_INVALID_ASYNC',
      ],
      [
        'maxRetries 6',
        nubo.call('PUT', '/v1/functions/bad', {
          key,
          body: { runtime: 'node22', handler: 'index.handler', code: { files }, maxRetries: 6 },
        }),
        400,
        'NUBO_ERR_REQUEST_INVALID',
      ],
      [
        'unknown destination',
        nubo.call('PUT', '/v1/functions/bad', {
          key,
          body: { runtime: 'node22', handler: 'index.handler', code: { files }, onFailure: 'ghost' },
        }),
        400,
        'NUBO_ERR_DEPLOY_INVALID_ASYNC',
      ],
      [
        'cron with 3 fields',
        nubo.call('PUT', '/v1/functions/bad', {
          key,
          body: { runtime: 'node22', handler: 'index.handler', code: { files }, schedules: [{ name: 'a', cron: '* * *' }] },
        }),
        400,
        'NUBO_ERR_SCHEDULE_INVALID',
      ],
      [
        'cron out of range',
        nubo.call('PUT', '/v1/functions/probe/schedules/a', { key, body: { cron: '61 * * * *' } }),
        400,
        'NUBO_ERR_SCHEDULE_INVALID',
      ],
      [
        'time zone',
        nubo.call('PUT', '/v1/functions/probe/schedules/a', { key, body: { cron: '* * * * *', timezone: 'Mars/Olympus' } }),
        400,
        'NUBO_ERR_SCHEDULE_INVALID',
      ],
      [
        'schedule name',
        nubo.call('PUT', '/v1/functions/probe/schedules/no%20spaces', { key, body: { cron: '* * * * *' } }),
        400,
        'NUBO_ERR_SCHEDULE_INVALID',
      ],
      [
        'unknown schedule',
        nubo.call('DELETE', '/v1/functions/probe/schedules/ghost', { key }),
        404,
        'NUBO_ERR_SCHEDULE_NOT_FOUND',
      ],
      [
        'unknown dead letter',
        nubo.call('DELETE', '/v1/functions/probe/dead-letters/ghost', { key }),
        404,
        'NUBO_ERR_QUEUE_DEAD_LETTER_NOT_FOUND',
      ],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      assert.equal(res.status, status, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, code, what);
      assert.ok(res.body.error.message.length > 10, what);
    }
    assert.equal((await nubo.call('GET', '/v1/functions/bad', { key })).status, 404, 'nothing was deployed');
  });

  it("shows no one another user's asynchronous invocations", async () => {
    const id = (await queue('probe', { secret: true })).body.requestId;
    await finished(id);
    const other = await nubo.signup('eve');
    const res = await nubo.call('GET', `/v1/invocations/${id}`, { key: other });
    assert.equal(res.status, 404);
    assert.equal((await nubo.call('GET', '/v1/functions/probe/dead-letters', { key: other })).status, 404);
  });
});

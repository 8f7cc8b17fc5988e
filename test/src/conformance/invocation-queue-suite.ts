import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  isNuboError,
  type AttemptSummary,
  type Decision,
  type EnqueueInput,
  type EventRun,
  type InvocationQueue,
  type QueueSettings,
} from '@nubo/core';
import { eventually } from '../helpers/processes.js';

export const testQueueSettings: QueueSettings = {
  retentionMs: 60_000,
  deadLetterRetentionMs: 60_000,
  maxResultBytes: 1024,
  maxScheduleLagMs: 60_000,
};

const limits = { concurrency: 4, maxQueued: 100 };

/** Every InvocationQueue adapter must pass this suite unchanged. `create` gives an empty queue, consumed by nobody yet. */
export function invocationQueueConformance(adapter: string, create: () => Promise<InvocationQueue>): void {
  let functionCounter = 0;
  const newFunction = () => `fn_q${++functionCounter}${randomUUID().slice(0, 8)}`;
  const event = (functionId: string, overrides: Partial<EnqueueInput> = {}): EnqueueInput => ({
    requestId: randomUUID(),
    ownerId: 'u1',
    functionId,
    functionName: 'fn',
    event: { n: 1 },
    trigger: 'async',
    ...overrides,
  });
  const ran = (attempts: AttemptSummary[], status: AttemptSummary['status'] = 'ok'): AttemptSummary[] => [
    ...attempts,
    { attempt: attempts.length + 1, status, startedAt: Date.now(), durationMs: 1, errorType: null, errorMessage: null },
  ];

  describe(`InvocationQueue conformance: ${adapter}`, () => {
    it('stores an event, hands it to the consumer once, and keeps its result and attempts', async () => {
      const queue = await create();
      const fn = newFunction();
      const input = event(fn, { event: { hello: 'world' } });
      assert.deepEqual(await queue.enqueue(input, limits), { requestId: input.requestId, duplicate: false });
      const queued = await queue.get('u1', input.requestId);
      assert.equal(queued?.status, 'queued');
      assert.equal(await queue.get('someone-else', input.requestId), null, "another owner's event is not found");
      const runs: EventRun[] = [];
      queue.consume(async (run) => {
        runs.push(run);
        await run.markRunning(ran(run.event.attempts, 'running'));
        return { kind: 'finish', status: 'ok', attempts: ran(run.event.attempts), result: { echoed: run.event.event } };
      });
      const done = await eventually('the event is done', async () => {
        const state = await queue.get('u1', input.requestId);
        return state?.status === 'ok' ? state : false;
      });
      assert.equal(runs.length, 1);
      assert.deepEqual(runs[0]!.event.event, { hello: 'world' });
      assert.equal(runs[0]!.event.trigger, 'async');
      assert.deepEqual(done.result, { echoed: { hello: 'world' } });
      assert.equal(done.attempts.length, 1);
      assert.equal(done.deadLetter, false);
      assert.ok(done.finishedAt! >= done.acceptedAt);
      await queue.close();
    });

    it('queues one event per idempotency key (per function) and per request id', async () => {
      const queue = await create();
      const fn = newFunction();
      const first = await queue.enqueue(event(fn, { idempotencyKey: 'order-7' }), limits);
      const again = await queue.enqueue(event(fn, { idempotencyKey: 'order-7' }), limits);
      assert.deepEqual(again, { requestId: first.requestId, duplicate: true });
      const other = await queue.enqueue(event(newFunction(), { idempotencyKey: 'order-7' }), limits);
      assert.equal(other.duplicate, false, 'the key is per function');
      const sameId = await queue.enqueue(event(fn, { requestId: first.requestId }), limits);
      assert.deepEqual(sameId, { requestId: first.requestId, duplicate: true });
      await queue.close();
    });

    it('refuses events past maxQueued with NUBO_ERR_QUEUE_FULL', async () => {
      const queue = await create();
      const fn = newFunction();
      const small = { concurrency: 1, maxQueued: 3 };
      for (let i = 0; i < 3; i++) await queue.enqueue(event(fn), small);
      await assert.rejects(queue.enqueue(event(fn), small), (err) => isNuboError(err, 'NUBO_ERR_QUEUE_FULL'));
      await queue.close();
    });

    it('retries after the delay the consumer asks for, then dead-letters; a dead letter can be retried and removed', async () => {
      const queue = await create();
      const fn = newFunction();
      const input = event(fn);
      await queue.enqueue(input, limits);
      let succeed = false;
      const seen: number[] = [];
      queue.consume(async (run): Promise<Decision> => {
        seen.push(run.event.attempts.length);
        const attempts = ran(run.event.attempts, succeed ? 'ok' : 'error');
        if (succeed) return { kind: 'finish', status: 'ok', attempts, result: 'fine' };
        if (attempts.length < 2) return { kind: 'retry', delayMs: 200, attempts };
        return { kind: 'finish', status: 'failed', attempts, error: { type: 'Error', message: 'boom' } };
      });
      const dead = await eventually('dead-lettered', async () => {
        const state = await queue.get('u1', input.requestId);
        return state?.status === 'failed' ? state : false;
      });
      assert.deepEqual(seen, [0, 1], 'the retry saw the first attempt');
      assert.equal(dead.deadLetter, true);
      assert.deepEqual(dead.error, { type: 'Error', message: 'boom' });
      assert.deepEqual(
        (await queue.deadLetters(fn, { limit: 10 })).map((d) => d.requestId),
        [input.requestId],
      );
      assert.equal(await queue.retryDeadLetter(fn, randomUUID()), false);
      succeed = true;
      assert.equal(await queue.retryDeadLetter(fn, input.requestId), true);
      const retried = await eventually('the retried dead letter ran', async () => {
        const state = await queue.get('u1', input.requestId);
        return state?.status === 'ok' ? state : false;
      });
      assert.equal(retried.attempts.length, 3, 'attempts are kept across the retry');
      assert.equal(retried.deadLetter, false);
      assert.deepEqual(await queue.deadLetters(fn, { limit: 10 }), []);

      const other = event(fn);
      succeed = false;
      await queue.enqueue(other, limits);
      await eventually('the second is dead-lettered', async () => (await queue.get('u1', other.requestId))?.status === 'failed');
      assert.equal(await queue.removeDeadLetter(fn, other.requestId), true);
      assert.equal(await queue.removeDeadLetter(fn, other.requestId), false);
      assert.equal(await queue.get('u1', other.requestId), null);
      await queue.close();
    });

    it('never runs more of one function at once than its concurrency', async () => {
      const queue = await create();
      const fn = newFunction();
      const twoAtATime = { concurrency: 2, maxQueued: 100 };
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push((await queue.enqueue(event(fn), twoAtATime)).requestId);
      let running = 0;
      let most = 0;
      queue.consume(async (run) => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
        return { kind: 'finish', status: 'ok', attempts: ran(run.event.attempts) };
      });
      await eventually(
        'every event ran',
        async () => (await Promise.all(ids.map((id) => queue.get('u1', id)))).every((s) => s?.status === 'ok'),
        20_000,
      );
      assert.ok(most <= 2, `at most 2 ran at once, saw ${most}`);
      assert.ok(most >= 1);
      await queue.close();
    });

    it('keeps a result up to maxResultBytes and says when it dropped one', async () => {
      const queue = await create();
      const fn = newFunction();
      const big = event(fn);
      await queue.enqueue(big, limits);
      queue.consume(async (run) => ({
        kind: 'finish',
        status: 'ok',
        attempts: ran(run.event.attempts),
        result: 'x'.repeat(5000),
      }));
      const done = await eventually('done', async () => {
        const state = await queue.get('u1', big.requestId);
        return state?.status === 'ok' ? state : false;
      });
      assert.equal(done.resultDropped, true);
      assert.equal(done.result, undefined);
      await queue.close();
    });

    it('runs each tick of a schedule as one event with trigger schedule, and forgets removed schedules', async () => {
      const queue = await create();
      const fn = newFunction();
      const target = { ownerId: 'u1', functionId: fn, functionName: 'fn', limits };
      await queue.setSchedules(target, [{ name: 'every-second', cron: '* * * * * *', timezone: 'UTC', event: { tick: true } }]);
      assert.deepEqual(await queue.schedules(fn), [
        { name: 'every-second', cron: '* * * * * *', timezone: 'UTC', event: { tick: true } },
      ]);
      const runs: EventRun['event'][] = [];
      queue.consume(async (run) => {
        runs.push(run.event);
        return { kind: 'finish', status: 'ok', attempts: ran(run.event.attempts) };
      });
      await eventually('two ticks ran', async () => runs.length >= 2, 10_000);
      assert.ok(runs.every((r) => r.trigger === 'schedule' && r.scheduleName === 'every-second'));
      assert.deepEqual(runs[0]!.event, { tick: true });
      assert.equal(new Set(runs.map((r) => r.requestId)).size, runs.length, 'each tick has its own request id');
      const state = await queue.get('u1', runs[0]!.requestId);
      assert.equal(state?.trigger, 'schedule');
      await queue.setSchedules(target, []);
      assert.deepEqual(await queue.schedules(fn), []);
      await queue.close();
    });

    it('removes a function with its events and schedules', async () => {
      const queue = await create();
      const fn = newFunction();
      const input = event(fn);
      await queue.enqueue(input, limits);
      await queue.setSchedules({ ownerId: 'u1', functionId: fn, functionName: 'fn', limits }, [
        { name: 'hourly', cron: '0 * * * *', timezone: 'Europe/Berlin', event: {} },
      ]);
      assert.equal(await queue.scheduleCount('u1'), 1);
      await queue.removeFunction(fn, 'u1');
      assert.equal(await queue.get('u1', input.requestId), null);
      assert.deepEqual(await queue.schedules(fn), []);
      assert.equal(await queue.scheduleCount('u1'), 0);
      await queue.close();
    });

    it('holds an owner to its quotas over all its functions, counting only what waits or runs', async () => {
      const queue = await create();
      const owner = `owner-${randomUUID().slice(0, 8)}`;
      const [a, b] = [newFunction(), newFunction()];
      const payload = { n: 1 };
      const bytes = Buffer.byteLength(JSON.stringify(payload));
      const quota = { ...limits, owner: { maxEvents: 3, maxBytes: 1024 } };
      for (const fn of [a, a, b]) await queue.enqueue(event(fn, { ownerId: owner, event: payload }), quota);
      assert.deepEqual(await queue.usage(owner), { events: 3, bytes: 3 * bytes });
      await assert.rejects(queue.enqueue(event(b, { ownerId: owner, event: payload }), quota), (err) =>
        isNuboError(err, 'NUBO_ERR_QUOTA_QUEUED_EVENTS'),
      );
      const roomy = { ...limits, owner: { maxEvents: 100, maxBytes: 1024 } };
      await assert.rejects(queue.enqueue(event(b, { ownerId: owner, event: { big: 'x'.repeat(1024) } }), roomy), (err) =>
        isNuboError(err, 'NUBO_ERR_QUOTA_QUEUED_BYTES'),
      );
      assert.deepEqual(await queue.usage(owner), { events: 3, bytes: 3 * bytes }, 'a refused event counts for nothing');
      assert.deepEqual(await queue.usage('someone-else'), { events: 0, bytes: 0 });
      await queue.removeFunction(a, owner);
      assert.deepEqual(await queue.usage(owner), { events: 1, bytes }, "a removed function's events no longer count");
      queue.consume(async (run) => ({ kind: 'finish', status: 'ok', attempts: ran(run.event.attempts) }));
      await eventually('what ran no longer counts', async () => (await queue.usage(owner)).events === 0);
      assert.deepEqual(await queue.usage(owner), { events: 0, bytes: 0 });
      await queue.close();
    });
  });
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyBucket, type InvocationLog, type InvocationQuery, type InvocationRecord } from '@nubo/core';

/** Every InvocationLog adapter must pass this suite unchanged. `create` gives an empty log. */
export function invocationLogConformance(adapter: string, create: () => Promise<InvocationLog>): void {
  let counter = 0;
  const record = (overrides: Partial<InvocationRecord> = {}): InvocationRecord => ({
    requestId: `req-${++counter}-${Math.random().toString(36).slice(2)}`,
    correlationId: null,
    attempt: 1,
    ownerId: 'u1',
    functionId: 'f1',
    functionName: 'fn',
    version: 1,
    trigger: 'invoke',
    startedAt: 1_000_000 + counter,
    durationMs: 10,
    initMs: null,
    cold: false,
    stemCell: false,
    queueMs: 0,
    memoryUsedMb: 40,
    memoryLimitMb: 128,
    status: 'ok',
    errorType: null,
    errorMessage: null,
    logs: 'printed\n',
    logsTruncated: false,
    workerId: 'w1',
    ...overrides,
  });

  describe(`InvocationLog conformance: ${adapter}`, () => {
    it('stores every field and answers records newest first', async () => {
      const log = await create();
      const older = record({
        startedAt: 100,
        cold: true,
        stemCell: true,
        initMs: 55.5,
        status: 'error',
        errorType: 'TypeError',
        errorMessage: 'x',
        correlationId: 'order-42/a',
      });
      const newer = record({ startedAt: 200 });
      log.append(older);
      log.append(newer);
      await log.flush();
      const listed = await log.list('u1', 'fn', { limit: 10 });
      assert.deepEqual(listed, [newer, older]);
      assert.deepEqual(await log.get('u1', older.requestId), older);
      assert.deepEqual(
        await log.list('u1', 'fn', { limit: 10, correlationId: 'order-42/a' }),
        [older],
        'found by correlation id',
      );
      assert.deepEqual(await log.list('u2', 'fn', { limit: 10, correlationId: 'order-42/a' }), [], "not by another owner's");
      await log.close();
    });

    it('keeps each attempt of one request id as a record of its own, and answers the latest by id', async () => {
      const log = await create();
      const first = record({ trigger: 'async', status: 'error', errorType: 'Error' });
      const second = record({ requestId: first.requestId, attempt: 2, trigger: 'async', startedAt: first.startedAt + 5 });
      log.append(first);
      log.append(second);
      log.append({ ...second, status: 'crash' });
      await log.flush();
      assert.deepEqual(await log.get('u1', first.requestId), second, 'the latest attempt, the repeated one not stored');
      const listed = await log.list('u1', 'fn', { limit: 10 });
      assert.deepEqual(
        listed.filter((r) => r.requestId === first.requestId).map((r) => [r.attempt, r.status]),
        [
          [2, 'ok'],
          [1, 'error'],
        ],
      );
      await log.close();
    });

    it('filters by time, cold start and owner, and honours the limit', async () => {
      const log = await create();
      for (let i = 0; i < 10; i++) log.append(record({ startedAt: 1000 + i, cold: i % 3 === 0 }));
      log.append(record({ ownerId: 'u2', startedAt: 5000 }));
      log.append(record({ functionName: 'other', startedAt: 5000 }));
      assert.equal((await log.list('u1', 'fn', { limit: 100 })).length, 10);
      assert.equal((await log.list('u1', 'fn', { limit: 3 })).length, 3);
      assert.deepEqual(
        (await log.list('u1', 'fn', { limit: 100, before: 1003 })).map((r) => r.startedAt),
        [1002, 1001, 1000],
      );
      assert.equal((await log.list('u1', 'fn', { limit: 100, cold: true })).length, 4);
      assert.equal((await log.list('u1', 'fn', { limit: 100, cold: false })).length, 6);
      const foreign = (await log.list('u2', 'fn', { limit: 1 }))[0]!;
      assert.equal(await log.get('u1', foreign.requestId), null, "an owner cannot read another's record");
      await log.close();
    });

    it('filters by status, version, start time and text in the output (any case, wildcards taken literally)', async () => {
      const log = await create();
      log.append(record({ functionName: 'filters', startedAt: 10, status: 'error', version: 1, logs: 'Disk FULL\n' }));
      log.append(record({ functionName: 'filters', startedAt: 20, status: 'ok', version: 2, logs: '100% done_now\n' }));
      log.append(record({ functionName: 'filters', startedAt: 30, status: 'ok', version: 2, logs: '100 percent\n' }));
      const starts = async (query: Partial<InvocationQuery>) =>
        (await log.list('u1', 'filters', { limit: 10, ...query })).map((r) => r.startedAt);
      assert.deepEqual(await starts({ status: 'error' }), [10]);
      assert.deepEqual(await starts({ version: 2 }), [30, 20]);
      assert.deepEqual(await starts({ since: 20 }), [30, 20]);
      assert.deepEqual(await starts({ since: 20, before: 30 }), [20]);
      assert.deepEqual(await starts({ text: 'disk full' }), [10]);
      assert.deepEqual(await starts({ text: '100%' }), [20], '% is no wildcard');
      assert.deepEqual(await starts({ text: 'e_n' }), [20], '_ is no wildcard');
      assert.deepEqual(await starts({ text: '(.*)' }), [], 'nor are regular expression characters');
      await log.close();
    });

    it('cuts a window into buckets and aggregates each one in the store', async () => {
      const log = await create();
      const from = 60_000;
      const stepMs = 10_000;
      // Bucket 0: ten calls, durations 1..10, two of them cold (init 30 and 50), one timeout.
      for (let i = 1; i <= 10; i++) {
        log.append(
          record({
            functionName: 'metrics',
            startedAt: from + i * 100,
            durationMs: i,
            cold: i <= 2,
            initMs: i === 1 ? 30 : i === 2 ? 50 : null,
            queueMs: i,
            memoryUsedMb: 20 + i,
            status: i === 10 ? 'timeout' : 'ok',
          }),
        );
      }
      // Bucket 2: one call at the bucket's very start; one record after the window, one before it.
      log.append(record({ functionName: 'metrics', startedAt: from + 2 * stepMs, durationMs: 7, memoryUsedMb: null }));
      log.append(record({ functionName: 'metrics', startedAt: from + 3 * stepMs }));
      log.append(record({ functionName: 'metrics', startedAt: from - 1 }));
      log.append(record({ functionName: 'metrics', ownerId: 'u2', startedAt: from + 5 }));
      const buckets = await log.metrics('u1', 'metrics', { from, to: from + 3 * stepMs, stepMs });
      assert.deepEqual(
        buckets.map((b) => b.start),
        [from, from + stepMs, from + 2 * stepMs],
      );
      assert.deepEqual(buckets[0], {
        start: from,
        count: 10,
        byStatus: { ok: 9, timeout: 1 },
        coldCount: 2,
        p50Ms: 5,
        p95Ms: 10,
        p99Ms: 10,
        initP50Ms: 30,
        initMaxMs: 50,
        queueP50Ms: 5,
        queueMaxMs: 10,
        memoryMaxMb: 30,
        memoryLimitMb: 128,
      });
      assert.deepEqual(buckets[1], emptyBucket(from + stepMs));
      assert.deepEqual(buckets[2], {
        ...emptyBucket(from + 2 * stepMs),
        count: 1,
        byStatus: { ok: 1 },
        p50Ms: 7,
        p95Ms: 7,
        p99Ms: 7,
        queueP50Ms: 0,
        queueMaxMs: 0,
        memoryLimitMb: 128,
      });
      const partial = await log.metrics('u1', 'metrics', { from, to: from + 15_000, stepMs });
      assert.equal(partial.length, 2, 'a last bucket cut short by the window still counts');
      assert.equal((await log.metrics('u1', 'never', { from, to: from + stepMs, stepMs }))[0]?.count, 0);
      await log.close();
    });

    it('computes count, errors, cold ratio and nearest-rank percentiles', async () => {
      const log = await create();
      for (let i = 1; i <= 100; i++) {
        log.append(record({ functionName: 'stats', durationMs: i, cold: i <= 10, status: i > 95 ? 'timeout' : 'ok' }));
      }
      const stats = await log.stats('u1', 'stats');
      assert.equal(stats.count, 100);
      assert.equal(stats.errorCount, 5);
      assert.equal(stats.coldCount, 10);
      assert.equal(stats.coldRatio, 0.1);
      assert.equal(stats.p50Ms, 50);
      assert.equal(stats.p95Ms, 95);
      assert.equal(stats.p99Ms, 99);
      assert.deepEqual(stats.byStatus, { ok: 95, timeout: 5 });
      const empty = await log.stats('u1', 'never');
      assert.equal(empty.count, 0);
      assert.equal(empty.p50Ms, null);
      await log.close();
    });
  });
}

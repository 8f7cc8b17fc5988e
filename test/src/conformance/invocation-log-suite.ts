import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InvocationLog, InvocationRecord } from '@nubo/core';

/** Every InvocationLog adapter must pass this suite unchanged. `create` gives an empty log. */
export function invocationLogConformance(adapter: string, create: () => Promise<InvocationLog>): void {
  let counter = 0;
  const record = (overrides: Partial<InvocationRecord> = {}): InvocationRecord => ({
    requestId: `req-${++counter}-${Math.random().toString(36).slice(2)}`,
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
      });
      const newer = record({ startedAt: 200 });
      log.append(older);
      log.append(newer);
      await log.flush();
      const listed = await log.list('u1', 'fn', { limit: 10 });
      assert.deepEqual(listed, [newer, older]);
      assert.deepEqual(await log.get('u1', older.requestId), older);
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

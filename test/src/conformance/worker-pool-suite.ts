import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolKey, type WorkerInfo, type WorkerPool } from '@nubo/core';

/** Every WorkerPool adapter must pass this suite unchanged. `create` gives a pool in a fresh namespace. */
export function workerPoolConformance(adapter: string, create: () => Promise<WorkerPool>): void {
  let counter = 0;
  const worker = (functionId: string, version = 1, managerId = 'm1'): WorkerInfo => ({
    id: `w${++counter}`,
    address: `127.0.0.1:${40000 + counter}`,
    managerId,
    functionId,
    version,
    idleTtlMs: 1000,
    minWarm: 0,
    startedAt: Date.now(),
    initMs: 1,
    secret: `secret-${counter}`,
  });
  const opts = { leaseMs: 10_000, maxWorkers: 100, waitMs: 0 };

  /** Cold-starts `w` into the pool the way the gateway does: acquire a slot, then adopt. */
  async function startLeased(pool: WorkerPool, key: string, w: WorkerInfo, leaseMs = 10_000): Promise<void> {
    const got = await pool.acquire(key, opts);
    assert.equal(got.kind, 'cold');
    await pool.adopt(key, got.kind === 'cold' ? got.ticket : '', w, leaseMs);
  }

  describe(`WorkerPool conformance: ${adapter}`, () => {
    it('answers cold on an empty pool, then warm with the worker that was given back', async () => {
      const pool = await create();
      const key = poolKey('f', 1);
      const w = worker('f');
      await startLeased(pool, key, w);
      assert.equal(await pool.liveCount(key), 1);
      assert.equal(await pool.idleCount(key), 0, 'a leased worker is not idle');
      assert.equal(await pool.giveBack(w), true);
      assert.equal(await pool.idleCount(key), 1);
      const warm = await pool.acquire(key, opts);
      assert.equal(warm.kind, 'warm');
      assert.deepEqual(warm.kind === 'warm' && warm.worker, w);
      assert.equal((await pool.acquire(key, opts)).kind, 'cold', 'a taken worker is not in the list any more');
      await pool.close();
    });

    it('lists the live workers of a key, each idle or busy', async () => {
      const pool = await create();
      const key = poolKey('listed', 1);
      const busy = { ...worker('listed'), startedAt: 1 };
      const idle = { ...worker('listed'), startedAt: 2 };
      await startLeased(pool, key, busy);
      await startLeased(pool, key, idle);
      await pool.giveBack(idle);
      assert.deepEqual(
        (await pool.liveWorkers(key)).map((w) => [w.worker, w.idle]),
        [
          [busy, false],
          [idle, true],
        ],
      );
      assert.deepEqual(await pool.liveWorkers(poolKey('listed', 2)), []);
      await pool.close();
    });

    it('hands each idle worker to exactly one of many concurrent takers', async () => {
      const pool = await create();
      const key = poolKey('g', 1);
      const workers = Array.from({ length: 20 }, () => worker('g'));
      for (const w of workers) await startLeased(pool, key, w);
      for (const w of workers) await pool.giveBack(w);
      const taken = await Promise.all(Array.from({ length: 40 }, () => pool.acquire(key, opts)));
      const warmIds = taken.flatMap((t) => (t.kind === 'warm' ? [t.worker.id] : []));
      assert.equal(warmIds.length, 20);
      assert.equal(new Set(warmIds).size, 20, 'no worker was handed out twice');
      assert.equal(taken.filter((t) => t.kind === 'cold').length, 20);
      await pool.close();
    });

    it('keeps one function version apart from another', async () => {
      const pool = await create();
      const w = worker('h', 1);
      await startLeased(pool, poolKey('h', 1), w);
      await pool.giveBack(w);
      assert.equal((await pool.acquire(poolKey('h', 2), opts)).kind, 'cold');
      assert.equal((await pool.acquire(poolKey('other', 1), opts)).kind, 'cold');
      await pool.close();
    });

    it('caps live plus starting workers at maxWorkers and answers full after the wait', async () => {
      const pool = await create();
      const key = poolKey('cap', 1);
      const capped = { ...opts, maxWorkers: 2, waitMs: 30 };
      const first = await pool.acquire(key, capped);
      assert.equal(first.kind, 'cold');
      assert.equal((await pool.acquire(key, capped)).kind, 'cold');
      const full = await pool.acquire(key, capped);
      assert.equal(full.kind, 'full');
      assert.ok(full.waitedMs >= 25);
      await pool.cancelStart(key, first.kind === 'cold' ? first.ticket : '');
      assert.equal((await pool.acquire(key, capped)).kind, 'cold', 'a cancelled start frees its slot');
      await pool.close();
    });

    it('wakes a waiting taker when a worker is given back', async () => {
      const pool = await create();
      const key = poolKey('wait', 1);
      const capped = { ...opts, maxWorkers: 1, waitMs: 5000 };
      const w = worker('wait');
      await startLeased(pool, key, w);
      const waiting = pool.acquire(key, capped);
      await pool.giveBack(w);
      const got = await waiting;
      assert.equal(got.kind, 'warm');
      assert.equal(got.kind === 'warm' && got.worker.id, w.id);
      await pool.close();
    });

    it('removes only idle workers, so a leased one is never destroyed by the reaper', async () => {
      const pool = await create();
      const key = poolKey('reap', 1);
      const idle = worker('reap');
      const busy = worker('reap');
      for (const w of [idle, busy]) await startLeased(pool, key, w);
      await pool.giveBack(idle);
      const listed = await pool.idleWorkers('m1');
      assert.deepEqual(
        listed.filter((i) => i.worker.functionId === 'reap').map((i) => i.worker.id),
        [idle.id],
      );
      assert.equal(await pool.removeIdle(busy), false);
      assert.equal(await pool.removeIdle(idle), true);
      assert.equal(await pool.removeIdle(idle), false, 'removal happens once');
      assert.equal(await pool.liveCount(key), 1);
      await pool.forget(busy);
      assert.equal(await pool.liveCount(key), 0);
      await pool.close();
    });

    it('marks idle workers unused long enough as frozen, once; a take answers the mark and clears it', async () => {
      const pool = await create();
      const key = poolKey('frosty', 1);
      const [idle, busy, otherManager] = [worker('frosty'), worker('frosty'), worker('frosty', 1, 'm2')];
      for (const w of [idle, busy, otherManager]) await startLeased(pool, key, w);
      await pool.giveBack(idle);
      await pool.giveBack(otherManager);
      assert.deepEqual(await pool.freezeIdle('m1', Date.now() - 60_000), [], 'nothing idle that long');
      const marked = await pool.freezeIdle('m1', Date.now() + 1);
      assert.deepEqual(
        marked.map((w) => w.id),
        [idle.id],
        'the idle worker of this manager only (never a leased one)',
      );
      assert.deepEqual(await pool.freezeIdle('m1', Date.now() + 1), [], 'each once');
      await pool.removeIdle(otherManager);
      const taken = await pool.acquire(key, opts);
      assert.equal(taken.kind, 'warm');
      assert.deepEqual(taken.kind === 'warm' && taken.worker, { ...idle, frozen: true }, 'the take says it is frozen');
      await pool.giveBack(idle);
      const again = await pool.acquire(key, opts);
      assert.deepEqual(again.kind === 'warm' && again.worker, idle, 'the mark went with that take');
      await pool.close();
    });

    it('keeps a version called by its number in a lane of its own, which retiring the version leaves open', async () => {
      const pool = await create();
      const active = poolKey('laned', 1);
      const pinnedKey = poolKey('laned', 1, true);
      const pinned = { ...worker('laned'), pinned: true };
      await startLeased(pool, pinnedKey, pinned);
      assert.equal(await pool.giveBack(pinned), true);
      assert.equal((await pool.acquire(active, opts)).kind, 'cold', 'the active lane does not see it');
      await pool.retire(active);
      const taken = await pool.acquire(pinnedKey, opts);
      assert.deepEqual(taken.kind === 'warm' && taken.worker, pinned);
      assert.equal(await pool.giveBack(pinned), true);
      assert.deepEqual(
        (await pool.idleWorkers('m1')).filter((w) => w.worker.functionId === 'laned').map((w) => w.worker),
        [pinned],
        'the reaper sees it with its lane',
      );
      assert.equal(await pool.removeIdle(pinned), true);
      await pool.close();
    });

    it('lists idle workers per manager, least recently used first', async () => {
      const pool = await create();
      const key = poolKey('lru', 1);
      const a = worker('lru', 1, 'mA');
      const b = worker('lru', 1, 'mA');
      const c = worker('lru', 1, 'mB');
      for (const w of [a, b, c]) await startLeased(pool, key, w);
      await pool.giveBack(b);
      await pool.giveBack(c);
      await pool.giveBack(a);
      const listed = await pool.idleWorkers('mA');
      assert.deepEqual(listed.map((i) => i.worker.id).sort(), [a.id, b.id].sort());
      assert.ok(listed.every((i) => i.lastUsedAt > 0));
      assert.ok(listed[0]!.lastUsedAt <= listed[1]!.lastUsedAt, 'least recently used first');
      await pool.close();
    });

    it('retires a key: idle workers come out, and busy ones cannot be given back', async () => {
      const pool = await create();
      const key = poolKey('old', 1);
      const idle = worker('old');
      const busy = worker('old');
      for (const w of [idle, busy]) await startLeased(pool, key, w);
      await pool.giveBack(idle);
      const removed = await pool.retire(key);
      assert.deepEqual(
        removed.map((w) => w.id),
        [idle.id],
      );
      assert.equal(await pool.giveBack(busy), false, 'the caller must destroy a worker of a retired version');
      assert.equal((await pool.acquire(key, opts)).kind, 'retired', 'nothing of the retired version is handed out');
      await pool.close();
    });

    it('reclaims expired leases of one manager, which restores healthy workers', async () => {
      const pool = await create();
      const key = poolKey('lease', 1);
      const mine = worker('lease', 1, 'mL');
      const other = worker('lease', 1, 'mOther');
      const fresh = worker('lease', 1, 'mL');
      await startLeased(pool, key, mine, 1);
      await startLeased(pool, key, other, 1);
      await startLeased(pool, key, fresh, 60_000);
      const now = Date.now() + 100;
      const reclaimed = await pool.reclaimExpired('mL', now);
      assert.deepEqual(
        reclaimed.map((w) => w.id),
        [mine.id],
        "only this manager's expired leases",
      );
      assert.deepEqual(await pool.reclaimExpired('mL', now), [], 'a lease is reclaimed once');
      assert.equal(await pool.giveBack(mine), false, 'the dead taker cannot give it back any more');
      assert.equal(await pool.restore(mine), true);
      const warm = await pool.acquire(key, opts);
      assert.equal(warm.kind === 'warm' && warm.worker.id, mine.id);
      await pool.close();
    });

    it('drops every worker of a manager that is gone', async () => {
      const pool = await create();
      const key = poolKey('gone', 1);
      const idle = worker('gone', 1, 'mDead');
      const busy = worker('gone', 1, 'mDead');
      const alive = worker('gone', 1, 'mAlive');
      for (const w of [idle, busy, alive]) await startLeased(pool, key, w);
      await pool.giveBack(idle);
      await pool.giveBack(alive);
      assert.equal(await pool.dropManager('mDead'), 2);
      assert.equal(await pool.liveCount(key), 1);
      assert.deepEqual(await pool.idleWorkers('mDead'), []);
      const warm = await pool.acquire(key, opts);
      assert.equal(warm.kind === 'warm' && warm.worker.id, alive.id);
      await pool.close();
    });

    it('refuses to give back a worker it does not know', async () => {
      const pool = await create();
      assert.equal(await pool.giveBack(worker('unknown')), false);
      await pool.close();
    });

    it('serves every waiter at maxWorkers as workers and slots free up, one per freed unit', async () => {
      const pool = await create();
      const key = poolKey('queue', 1);
      const capped = { ...opts, maxWorkers: 2, waitMs: 30_000 };
      const a = worker('queue');
      const b = worker('queue');
      for (const w of [a, b]) await startLeased(pool, key, w);
      const waiting = Array.from({ length: 6 }, () => pool.acquire(key, capped));
      // Each give-back serves one waiter, which hands its worker back in turn; a forgotten worker frees a start slot.
      const served: string[] = [];
      let turn = 0;
      await Promise.all(
        waiting
          .map(async (pending) => {
            const got = await pending;
            if (got.kind === 'warm') {
              served.push(got.worker.id);
              if (turn++ === 2) await pool.forget(got.worker);
              else await pool.giveBack(got.worker);
            } else {
              assert.equal(got.kind, 'cold', 'the forgotten worker left a start slot');
              served.push('cold');
              await pool.cancelStart(key, got.ticket);
            }
          })
          .concat([pool.giveBack(a).then(() => undefined), pool.giveBack(b).then(() => undefined)]),
      );
      assert.equal(served.length, 6, 'every waiter got a worker or a start slot');
      await pool.close();
    });

    it('tells a waiter at once that its key was retired', async () => {
      const pool = await create();
      const key = poolKey('gone-while-waiting', 1);
      const w = worker('gone-while-waiting');
      await startLeased(pool, key, w);
      const waiters = [
        pool.acquire(key, { ...opts, maxWorkers: 1, waitMs: 30_000 }),
        pool.acquire(key, { ...opts, maxWorkers: 1, waitMs: 30_000 }),
      ];
      await pool.retire(key);
      assert.deepEqual(
        (await Promise.all(waiters)).map((got) => got.kind),
        ['retired', 'retired'],
      );
      await pool.close();
    });

    it('prewarms up to minIdle idle workers, counting starting ones, under maxWorkers, never on a retired key', async () => {
      const pool = await create();
      const key = poolKey('warm', 1);
      const first = await pool.reserveWarm(key, { minIdle: 2, maxWorkers: 10 });
      const second = await pool.reserveWarm(key, { minIdle: 2, maxWorkers: 10 });
      assert.ok(first && second);
      assert.equal(await pool.reserveWarm(key, { minIdle: 2, maxWorkers: 10 }), null, 'two are starting already');
      const w1 = worker('warm');
      const w2 = worker('warm');
      assert.equal(await pool.adoptIdle(key, first, w1), true);
      assert.equal(await pool.adoptIdle(key, second, w2), true);
      assert.equal(await pool.liveCount(key), 2);
      assert.equal(await pool.reserveWarm(key, { minIdle: 2, maxWorkers: 10 }), null, 'two are idle');
      const taken = await pool.acquire(key, opts);
      assert.equal(
        taken.kind === 'warm' && taken.worker.id,
        w2.id,
        'a prewarmed worker is taken like any idle one (the last added)',
      );
      const refill = await pool.reserveWarm(key, { minIdle: 2, maxWorkers: 10 });
      assert.ok(refill, 'one idle left: one more to start');
      await pool.cancelStart(key, refill);
      assert.equal(await pool.reserveWarm(key, { minIdle: 5, maxWorkers: 2 }), null, 'never above maxWorkers');
      const late = await pool.reserveWarm(key, { minIdle: 5, maxWorkers: 10 });
      assert.ok(late);
      const removed = await pool.retire(key);
      assert.deepEqual(
        removed.map((r) => r.id),
        [w1.id],
      );
      assert.equal(await pool.adoptIdle(key, late, worker('warm')), false, 'a worker started for a retired key is refused');
      assert.equal(await pool.reserveWarm(key, { minIdle: 5, maxWorkers: 10 }), null);
      await pool.close();
    });

    it('takes the idle worker given back last, so a steady load keeps a few workers hot', async () => {
      const pool = await create();
      const key = poolKey('lifo', 1);
      const [a, b, c] = [worker('lifo'), worker('lifo'), worker('lifo')];
      for (const w of [a, b, c]) await startLeased(pool, key, w);
      for (const w of [a, b, c]) await pool.giveBack(w);
      const takenId = async () => {
        const taken = await pool.acquire(key, opts);
        return taken.kind === 'warm' ? taken.worker.id : taken.kind;
      };
      assert.equal(await takenId(), c.id);
      assert.equal(await takenId(), b.id);
      await pool.giveBack(c);
      assert.equal(await takenId(), c.id, 'the worker just given back, not the one idle the longest');
      assert.equal(await takenId(), a.id);
      await pool.close();
    });

    it('keeps keepIdle workers in the list when the reaper removes idle ones', async () => {
      const pool = await create();
      const key = poolKey('keep', 1);
      const workers = [worker('keep'), worker('keep'), worker('keep')];
      for (const w of workers) await startLeased(pool, key, w);
      for (const w of workers) await pool.giveBack(w);
      assert.equal(await pool.removeIdle(workers[0]!, 1), true);
      assert.equal(await pool.removeIdle(workers[1]!, 1), true);
      assert.equal(await pool.removeIdle(workers[2]!, 1), false, 'the last one is kept');
      assert.equal(await pool.removeIdle(workers[2]!), true, 'a dead worker goes regardless');
      await pool.close();
    });

    it('drains a manager: its idle workers come out, its busy ones are refused on give-back, others are untouched', async () => {
      const pool = await create();
      const key = poolKey('drain', 1);
      const idle = worker('drain', 1, 'mStop');
      const busy = worker('drain', 1, 'mStop');
      const other = worker('drain', 1, 'mStay');
      for (const w of [idle, busy, other]) await startLeased(pool, key, w);
      await pool.giveBack(idle);
      await pool.giveBack(other);
      assert.deepEqual(
        (await pool.drainManager('mStop')).map((w) => w.id),
        [idle.id],
      );
      assert.equal(await pool.giveBack(busy), false, 'a draining manager gets no worker back into the pool');
      assert.equal(await pool.liveCount(key), 1);
      const warm = await pool.acquire(key, opts);
      assert.equal(warm.kind === 'warm' && warm.worker.id, other.id);
      const slot = await pool.reserveWarm(key, { minIdle: 1, maxWorkers: 10 });
      assert.ok(slot);
      assert.equal(await pool.adoptIdle(key, slot, worker('drain', 1, 'mStop')), false, 'nor a prewarmed one');
      await pool.dropManager('mStop');
      const again = worker('drain', 1, 'mStop');
      await startLeased(pool, key, again);
      assert.equal(await pool.giveBack(again), true, 'a manager that starts again under the same id is not draining');
      await pool.close();
    });
  });
}

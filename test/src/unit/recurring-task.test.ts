import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecurringTask } from '@nubo/core';

/** A run that finishes only when the test says so. */
function controlledRuns() {
  const finishers: (() => void)[] = [];
  let runs = 0;
  const run = () =>
    new Promise<void>((resolve) => {
      runs += 1;
      finishers.push(resolve);
    });
  return {
    run,
    runs: () => runs,
    finishNext: async () => {
      finishers.shift()?.();
      // Let the task's own continuation (which may start the next run) happen.
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

describe('a recurring task', () => {
  it('never runs twice at once; a kick during a run queues exactly one more', async () => {
    const runs = controlledRuns();
    const task = new RecurringTask({ intervalMs: 3_600_000, run: runs.run, onError: () => undefined });
    task.kick();
    task.kick();
    task.kick();
    assert.equal(runs.runs(), 1, 'the kicks during the run did not start another');
    await runs.finishNext();
    assert.equal(runs.runs(), 2, 'one queued run followed');
    await runs.finishNext();
    assert.equal(runs.runs(), 2, 'and only one');
    await task.stop();
  });

  it('reports a failed run and keeps going; stop waits for the run in progress', async () => {
    const errors: string[] = [];
    let fail = true;
    let finished = false;
    const task = new RecurringTask({
      intervalMs: 3_600_000,
      run: async () => {
        if (fail) throw new Error('boom');
        await new Promise((resolve) => setImmediate(resolve));
        finished = true;
      },
      onError: (err) => errors.push(err.message),
    });
    task.kick();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(errors, ['boom']);
    fail = false;
    task.kick();
    await task.stop();
    assert.equal(finished, true, 'stop returned only after the run ended');
    task.kick();
    assert.equal(finished, true);
  });
});

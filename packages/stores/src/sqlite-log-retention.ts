import { setImmediate as turn } from 'node:timers/promises';
import { RecurringTask, type Logger } from '@nubo/core';
import type { SqliteDatabase } from './sqlite-open.js';

const dayMs = 86_400_000;
/** How often old records are looked for; the first look is at start-up. */
const pruneIntervalMs = 3_600_000;
/** Records deleted per transaction: SQLite is synchronous, so the server answers between chunks. */
const chunk = 1000;

/**
 * NUBO_LOG_RETENTION_DAYS for the embedded log (MongoDB's is a TTL index): records that started
 * longer ago than that are deleted at start-up and every hour after, a chunk at a time.
 */
export class SqliteLogRetention {
  private readonly task: RecurringTask;

  constructor(db: SqliteDatabase, retentionDays: number, logger: Logger) {
    const deleteChunk = db.prepare<[number, number]>(
      'DELETE FROM invocations WHERE rowid IN (SELECT rowid FROM invocations WHERE started_at < ? LIMIT ?)',
    );
    this.task = new RecurringTask({
      intervalMs: pruneIntervalMs,
      run: async () => {
        const before = Date.now() - retentionDays * dayMs;
        let deleted = 0;
        for (;;) {
          const { changes } = deleteChunk.run(before, chunk);
          deleted += changes;
          // A server closing does not wait for a long backlog: the next start goes on with it.
          if (changes < chunk || this.task.stopped) break;
          await turn();
        }
        if (deleted > 0) logger.info({ deleted, retentionDays }, 'deleted invocation records past NUBO_LOG_RETENTION_DAYS');
      },
      onError: (err) => logger.warn({ err: err.message }, 'could not delete old invocation records; trying again in an hour'),
    });
    this.task.start();
    this.task.kick();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}

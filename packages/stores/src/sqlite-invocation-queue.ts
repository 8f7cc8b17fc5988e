import {
  keptResult,
  nextTick,
  NuboError,
  scheduleTickId,
  type AsyncInvocation,
  type AsyncStatus,
  type AttemptSummary,
  type DeadLetterQuery,
  type Decision,
  type Enqueued,
  type EnqueueInput,
  type EnqueueLimits,
  type EventProcessor,
  type InvocationQueue,
  type Logger,
  type QueuedEvent,
  type QueueSettings,
  type QueueUsage,
  assertOwnerRoom,
  type Schedule,
  type ScheduleTarget,
} from '@nubo/core';
import type { Statement } from 'better-sqlite3';
import { openSqlite, type SqliteDatabase } from './sqlite-open.js';

interface EventRow {
  request_id: string;
  correlation_id: string | null;
  chain_depth: number;
  owner_id: string;
  function_id: string;
  function_name: string;
  event_json: string;
  trigger: string;
  schedule_name: string | null;
  accepted_at: number;
  attempts_json: string;
  status: string;
  run_at: number | null;
  finished_at: number | null;
  result_json: string | null;
  result_dropped: number;
  error_json: string | null;
  dead_letter: number;
}

interface ScheduleRow {
  function_id: string;
  name: string;
  owner_id: string;
  function_name: string;
  cron: string;
  timezone: string;
  event_json: string;
  next_tick: number;
}

const toQueued = (row: EventRow): QueuedEvent => ({
  requestId: row.request_id,
  correlationId: row.correlation_id,
  ownerId: row.owner_id,
  functionId: row.function_id,
  functionName: row.function_name,
  event: JSON.parse(row.event_json),
  trigger: row.trigger as QueuedEvent['trigger'],
  scheduleName: row.schedule_name,
  chainDepth: row.chain_depth,
  acceptedAt: row.accepted_at,
  attempts: JSON.parse(row.attempts_json) as AttemptSummary[],
});

const toInvocation = (row: EventRow): AsyncInvocation => ({
  ...toQueued(row),
  status: row.status as AsyncStatus,
  runAt: row.status === 'queued' ? row.run_at : null,
  finishedAt: row.finished_at,
  ...(row.result_json !== null ? { result: JSON.parse(row.result_json) } : {}),
  ...(row.result_dropped ? { resultDropped: true } : {}),
  ...(row.error_json !== null ? { error: JSON.parse(row.error_json) } : {}),
  deadLetter: row.dead_letter === 1,
});

/** The longest a consumer sleeps without looking for due events and ticks. */
const maxIdleMs = 1000;
const sweepEveryMs = 60_000;
/** Due events looked at per wake (each wake also follows every finished event). */
const dueBatch = 100;

/**
 * The embedded InvocationQueue: events in a SQLite file, committed before `enqueue` returns, taken
 * by this one process. Events found `running` when the file is opened were cut off by a crash
 * and run again (at least once).
 */
export class SqliteInvocationQueue implements InvocationQueue {
  private readonly db: SqliteDatabase;
  private readonly statements = new Map<string, Statement>();
  private processor: EventProcessor | undefined;
  private readonly runningPerFunction = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private wakeQueued = false;
  private closed = false;
  private lastSweep = 0;

  constructor(
    file: string,
    private readonly settings: QueueSettings,
    private readonly logger: Logger,
  ) {
    this.db = openSqlite(file, 'sqlite-queue');
    const cutOff = this.prepare("UPDATE events SET status = 'queued', run_at = ? WHERE status = 'running'").run(Date.now());
    if (cutOff.changes > 0)
      logger.warn({ events: cutOff.changes }, 'async events were running when Nubo stopped: they run again (at least once)');
  }

  /** Each statement is compiled once: events come by the thousand. */
  private prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): Statement<P, R> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as unknown as Statement<P, R>;
  }

  async enqueue(input: EnqueueInput, limits: EnqueueLimits): Promise<Enqueued> {
    const now = Date.now();
    const add = this.db.transaction((): Enqueued => {
      this.upsertLimits(input.functionId, limits);
      const existing = this.prepare<[string, string, string], { request_id: string }>(
        'SELECT request_id FROM events WHERE request_id = ? OR (function_id = ? AND idempotency_key = ?)',
      ).get(input.requestId, input.functionId, input.idempotencyKey ?? '\u0000');
      if (existing) return { requestId: existing.request_id, duplicate: true };
      const waiting = this.prepare<[string], { n: number }>(
        "SELECT COUNT(*) AS n FROM events WHERE function_id = ? AND status IN ('queued', 'running')",
      ).get(input.functionId)!.n;
      if (waiting >= limits.maxQueued)
        throw new NuboError(
          'NUBO_ERR_QUEUE_FULL',
          `${input.functionName} has ${waiting} events waiting, its maxQueuedEvents: retry later, or raise maxQueuedEvents or asyncConcurrency.`,
        );
      const eventJson = JSON.stringify(input.event ?? null);
      if (limits.owner) assertOwnerRoom(this.usageNow(input.ownerId), Buffer.byteLength(eventJson), limits.owner);
      this.prepare(
        `INSERT INTO events (request_id, owner_id, function_id, function_name, event_json, trigger, schedule_name, accepted_at,
             status, run_at, idempotency_key, correlation_id, chain_depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)`,
      ).run(
        input.requestId,
        input.ownerId,
        input.functionId,
        input.functionName,
        eventJson,
        input.trigger,
        input.scheduleName ?? null,
        input.acceptedAt ?? now,
        input.acceptedAt ?? now,
        input.idempotencyKey ?? null,
        input.correlationId ?? null,
        input.chainDepth ?? 0,
      );
      return { requestId: input.requestId, duplicate: false };
    });
    const enqueued = add.immediate();
    if (!enqueued.duplicate) this.wake();
    return enqueued;
  }

  private upsertLimits(functionId: string, limits: EnqueueLimits): void {
    this.prepare(
      `INSERT INTO async_functions (function_id, concurrency, max_queued) VALUES (?, ?, ?)
         ON CONFLICT (function_id) DO UPDATE SET concurrency = excluded.concurrency, max_queued = excluded.max_queued`,
    ).run(functionId, limits.concurrency, limits.maxQueued);
  }

  async get(ownerId: string, requestId: string): Promise<AsyncInvocation | null> {
    const row = this.prepare<[string, string], EventRow>('SELECT * FROM events WHERE request_id = ? AND owner_id = ?').get(
      requestId,
      ownerId,
    );
    return row ? toInvocation(row) : null;
  }

  consume(processor: EventProcessor): void {
    this.processor = processor;
    this.wake();
  }

  /** Looks for due work soon (once, however many wake-ups come in the meantime). */
  private wake(): void {
    if (!this.processor || this.closed || this.wakeQueued) return;
    this.wakeQueued = true;
    setImmediate(() => {
      this.wakeQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.closed || !this.processor) return;
    const now = Date.now();
    if (now - this.lastSweep >= sweepEveryMs) this.sweep(now);
    this.queueDueTicks(now);
    // Ids first, the rows only of the events taken: a backlog is not read in full on every wake.
    const due = this.prepare<[number], { request_id: string; function_id: string; concurrency: number | null }>(
      `SELECT e.request_id, e.function_id, f.concurrency FROM events e LEFT JOIN async_functions f ON f.function_id = e.function_id
         WHERE e.status = 'queued' AND e.run_at <= ? ORDER BY e.run_at, e.rowid LIMIT ${dueBatch}`,
    ).all(now);
    const take = this.prepare<[string], EventRow>(
      "UPDATE events SET status = 'running' WHERE request_id = ? AND status = 'queued' RETURNING *",
    );
    for (const row of due) {
      const running = this.runningPerFunction.get(row.function_id) ?? 0;
      if (running >= (row.concurrency ?? 1)) continue;
      const taken = take.get(row.request_id);
      if (!taken) continue;
      this.runningPerFunction.set(row.function_id, running + 1);
      this.track(this.run(toQueued(taken)));
    }
    clearTimeout(this.timer);
    const next = this.prepare<[], { t: number | null }>(
      "SELECT MIN(t) AS t FROM (SELECT MIN(run_at) AS t FROM events WHERE status = 'queued' UNION ALL SELECT MIN(next_tick) FROM schedules)",
    ).get()!.t;
    const delay = next === null ? maxIdleMs : Math.min(maxIdleMs, Math.max(0, next - Date.now()));
    this.timer = setTimeout(() => this.pump(), delay);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async run(event: QueuedEvent): Promise<void> {
    const markRunning = async (attempts: AttemptSummary[]) => {
      this.prepare('UPDATE events SET attempts_json = ? WHERE request_id = ?').run(JSON.stringify(attempts), event.requestId);
    };
    let decision: Decision;
    try {
      decision = await this.processor!({ event, markRunning });
    } catch (err) {
      this.logger.error({ err, requestId: event.requestId }, 'async event processing failed; it runs again in a second');
      decision = { kind: 'retry', delayMs: 1000, attempts: event.attempts };
    }
    this.store(event.requestId, decision);
    const running = (this.runningPerFunction.get(event.functionId) ?? 1) - 1;
    if (running > 0) this.runningPerFunction.set(event.functionId, running);
    else this.runningPerFunction.delete(event.functionId);
    this.wake();
  }

  private store(requestId: string, decision: Decision): void {
    const now = Date.now();
    const attempts = JSON.stringify(decision.attempts);
    if (decision.kind === 'retry') {
      this.prepare("UPDATE events SET status = 'queued', run_at = ?, attempts_json = ? WHERE request_id = ?").run(
        now + decision.delayMs,
        attempts,
        requestId,
      );
      return;
    }
    const deadLetter = decision.status !== 'ok';
    const kept = keptResult(decision.result, this.settings.maxResultBytes);
    this.prepare(
      `UPDATE events SET status = ?, run_at = NULL, finished_at = ?, attempts_json = ?, result_json = ?, result_dropped = ?,
           error_json = ?, dead_letter = ?, expires_at = ? WHERE request_id = ?`,
    ).run(
      decision.status,
      now,
      attempts,
      'result' in kept ? JSON.stringify(kept.result ?? null) : null,
      kept.resultDropped ? 1 : 0,
      decision.error ? JSON.stringify(decision.error) : null,
      deadLetter ? 1 : 0,
      now + (deadLetter ? this.settings.deadLetterRetentionMs : this.settings.retentionMs),
      requestId,
    );
  }

  /** Forgets finished events (and their idempotency keys) past their retention. */
  private sweep(now: number): void {
    this.lastSweep = now;
    this.prepare('DELETE FROM events WHERE expires_at IS NOT NULL AND expires_at < ?').run(now);
  }

  /** Queues each schedule's due tick once; ticks older than the allowed lag (the platform was down) are skipped. */
  private queueDueTicks(now: number): void {
    const due = this.prepare<[number], ScheduleRow>('SELECT * FROM schedules WHERE next_tick <= ?').all(now);
    for (const s of due) {
      const limits = this.prepare<[string], { concurrency: number; max_queued: number }>(
        'SELECT * FROM async_functions WHERE function_id = ?',
      ).get(s.function_id);
      if (now - s.next_tick <= this.settings.maxScheduleLagMs && limits) {
        this.enqueue(
          {
            requestId: scheduleTickId(s.function_id, s.name, s.next_tick),
            ownerId: s.owner_id,
            functionId: s.function_id,
            functionName: s.function_name,
            event: JSON.parse(s.event_json),
            trigger: 'schedule',
            scheduleName: s.name,
            acceptedAt: s.next_tick,
          },
          { concurrency: limits.concurrency, maxQueued: limits.max_queued },
        ).catch((err: Error) =>
          this.logger.warn({ function: s.function_name, schedule: s.name, err: err.message }, 'a schedule tick was not queued'),
        );
      } else {
        this.logger.warn(
          { function: s.function_name, schedule: s.name, tick: s.next_tick },
          'skipped a schedule tick missed while Nubo was down',
        );
      }
      this.prepare('UPDATE schedules SET next_tick = ? WHERE function_id = ? AND name = ?').run(
        nextTick(s.cron, s.timezone, Math.max(now, s.next_tick)),
        s.function_id,
        s.name,
      );
    }
  }

  async deadLetters(functionId: string, query: DeadLetterQuery): Promise<AsyncInvocation[]> {
    return this.prepare<[string, number], EventRow>(
      'SELECT * FROM events WHERE function_id = ? AND dead_letter = 1 ORDER BY finished_at DESC, rowid DESC LIMIT ?',
    )
      .all(functionId, query.limit)
      .map(toInvocation);
  }

  async retryDeadLetter(functionId: string, requestId: string): Promise<boolean> {
    const now = Date.now();
    const changed = this.prepare(
      `UPDATE events SET status = 'queued', dead_letter = 0, run_at = ?, accepted_at = ?, finished_at = NULL, error_json = NULL,
           expires_at = NULL WHERE function_id = ? AND request_id = ? AND dead_letter = 1`,
    ).run(now, now, functionId, requestId).changes;
    if (changed > 0) this.wake();
    return changed > 0;
  }

  async removeDeadLetter(functionId: string, requestId: string): Promise<boolean> {
    return (
      this.prepare('DELETE FROM events WHERE function_id = ? AND request_id = ? AND dead_letter = 1').run(functionId, requestId)
        .changes > 0
    );
  }

  async setSchedules(target: ScheduleTarget, schedules: Schedule[]): Promise<void> {
    const now = Date.now();
    this.db.transaction(() => {
      this.upsertLimits(target.functionId, target.limits);
      const kept = new Map(
        this.db
          .prepare<[string], ScheduleRow>('SELECT * FROM schedules WHERE function_id = ?')
          .all(target.functionId)
          .map((row) => [row.name, row]),
      );
      this.prepare('DELETE FROM schedules WHERE function_id = ?').run(target.functionId);
      const insert = this.prepare(
        `INSERT INTO schedules (function_id, name, owner_id, function_name, cron, timezone, event_json, next_tick)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const s of schedules) {
        const before = kept.get(s.name);
        // An unchanged schedule keeps its next tick; a new or changed one starts from now.
        const unchanged = before && before.cron === s.cron && before.timezone === s.timezone;
        const tick = unchanged ? before.next_tick : nextTick(s.cron, s.timezone, now);
        insert.run(
          target.functionId,
          s.name,
          target.ownerId,
          target.functionName,
          s.cron,
          s.timezone,
          JSON.stringify(s.event ?? {}),
          tick,
        );
      }
    })();
    this.wake();
  }

  async schedules(functionId: string): Promise<Schedule[]> {
    return this.prepare<[string], ScheduleRow>('SELECT * FROM schedules WHERE function_id = ? ORDER BY name')
      .all(functionId)
      .map((row) => ({ name: row.name, cron: row.cron, timezone: row.timezone, event: JSON.parse(row.event_json) }));
  }

  async usage(ownerId: string): Promise<QueueUsage> {
    return this.usageNow(ownerId);
  }

  private usageNow(ownerId: string): QueueUsage {
    return this.prepare<[string], QueueUsage>(
      `SELECT COUNT(*) AS events, COALESCE(SUM(LENGTH(CAST(event_json AS BLOB))), 0) AS bytes FROM events
         WHERE owner_id = ? AND status IN ('queued', 'running')`,
    ).get(ownerId)!;
  }

  async scheduleCount(ownerId: string): Promise<number> {
    return this.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM schedules WHERE owner_id = ?').get(ownerId)!.n;
  }

  async removeFunction(functionId: string): Promise<void> {
    this.db.transaction(() => {
      // Running events finish; what they store then updates no row.
      this.prepare('DELETE FROM events WHERE function_id = ?').run(functionId);
      this.prepare('DELETE FROM schedules WHERE function_id = ?').run(functionId);
      this.prepare('DELETE FROM async_functions WHERE function_id = ?').run(functionId);
    })();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.all(this.inFlight);
    this.db.close();
  }
}

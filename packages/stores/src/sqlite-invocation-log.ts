import {
  emptyBuckets,
  type InvocationLog,
  type InvocationQuery,
  type InvocationRecord,
  type InvocationStats,
  type InvocationStatus,
  type Logger,
  type MetricsBucket,
  type MetricsQuery,
} from '@nubo/core';
import { PendingRecords } from './pending-records.js';
import { SqliteLogRetention } from './sqlite-log-retention.js';
import { openSqlite, type SqliteDatabase } from './sqlite-open.js';

interface Row {
  request_id: string;
  correlation_id: string | null;
  attempt: number;
  owner_id: string;
  function_id: string;
  function_name: string;
  version: number;
  trigger: string;
  started_at: number;
  duration_ms: number;
  init_ms: number | null;
  cold: number;
  stem_cell: number;
  queue_ms: number;
  memory_used_mb: number | null;
  memory_limit_mb: number;
  status: string;
  error_type: string | null;
  error_message: string | null;
  logs: string;
  logs_truncated: number;
  worker_id: string | null;
}

const toRecord = (row: Row): InvocationRecord => ({
  requestId: row.request_id,
  correlationId: row.correlation_id,
  attempt: row.attempt,
  ownerId: row.owner_id,
  functionId: row.function_id,
  functionName: row.function_name,
  version: row.version,
  trigger: row.trigger as InvocationRecord['trigger'],
  startedAt: row.started_at,
  durationMs: row.duration_ms,
  initMs: row.init_ms,
  cold: row.cold === 1,
  stemCell: row.stem_cell === 1,
  queueMs: row.queue_ms,
  memoryUsedMb: row.memory_used_mb,
  memoryLimitMb: row.memory_limit_mb,
  status: row.status as InvocationStatus,
  errorType: row.error_type,
  errorMessage: row.error_message,
  logs: row.logs,
  logsTruncated: row.logs_truncated === 1,
  workerId: row.worker_id,
});

interface MetricsParams {
  ownerId: string;
  functionName: string;
  from: number;
  to: number;
  step: number;
}

interface MetricsRow {
  b: number;
  n: number;
  cold: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  init_p50: number | null;
  init_max: number | null;
  queue_p50: number;
  queue_max: number;
  memory_max: number | null;
  limit_max: number;
}

/** A function's records in a metrics window, each with its bucket's index `b`. */
const bucketedRows = `SELECT CAST((started_at - @from) / @step AS INTEGER) AS b, * FROM invocations
  WHERE owner_id = @ownerId AND function_name = @functionName AND started_at >= @from AND started_at < @to`;

/** Records are batched in memory and written in one transaction shortly after, off the request path. */
const flushDelayMs = 100;
const maxBatch = 500;
/** While writes fail (a full disk), they are tried again this often. */
const retryMs = 1000;

export interface SqliteLogOptions {
  logger: Logger;
  /** Most records held in memory while they cannot be written; past it the oldest are dropped. */
  bufferMax: number;
  /** Records that started longer ago than this many days are deleted (NUBO_LOG_RETENTION_DAYS); unset keeps them. */
  retentionDays?: number;
}

/**
 * The embedded InvocationLog: one SQLite file, written in batches. A batch that cannot be written
 * (the disk is full) stays in memory, bounded, and is written once it can; invocations go on.
 */
export class SqliteInvocationLog implements InvocationLog {
  private readonly db: SqliteDatabase;
  private readonly pending: PendingRecords;
  private timer: NodeJS.Timeout | undefined;
  private readonly retention: SqliteLogRetention | undefined;
  private readonly insert;
  private readonly writeBatch;

  private readonly metricsStatement;
  private readonly metricsByStatusStatement;

  constructor(
    file: string,
    private readonly options: SqliteLogOptions,
  ) {
    this.db = openSqlite(file, 'sqlite-invocations');
    this.pending = new PendingRecords(options.bufferMax, options.logger);
    if (options.retentionDays) this.retention = new SqliteLogRetention(this.db, options.retentionDays, options.logger);
    // Nearest-rank percentiles per bucket from each row's rank within its bucket: ceil(p × n) in integers.
    this.metricsStatement = this.db.prepare<MetricsParams, MetricsRow>(
      `WITH bucketed AS (${bucketedRows}),
       r AS (
         SELECT b, cold, duration_ms, init_ms, queue_ms, memory_used_mb, memory_limit_mb,
           ROW_NUMBER() OVER (PARTITION BY b ORDER BY duration_ms) AS rn,
           ROW_NUMBER() OVER (PARTITION BY b ORDER BY init_ms IS NULL, init_ms) AS init_rn,
           ROW_NUMBER() OVER (PARTITION BY b ORDER BY queue_ms) AS queue_rn,
           COUNT(*) OVER (PARTITION BY b) AS total,
           COUNT(init_ms) OVER (PARTITION BY b) AS init_total
         FROM bucketed)
       SELECT b, COUNT(*) AS n, SUM(cold) AS cold,
         MAX(CASE WHEN rn = MAX(1, (50 * total + 99) / 100) THEN duration_ms END) AS p50,
         MAX(CASE WHEN rn = MAX(1, (95 * total + 99) / 100) THEN duration_ms END) AS p95,
         MAX(CASE WHEN rn = MAX(1, (99 * total + 99) / 100) THEN duration_ms END) AS p99,
         MAX(CASE WHEN init_total > 0 AND init_rn = MAX(1, (50 * init_total + 99) / 100) THEN init_ms END) AS init_p50,
         MAX(init_ms) AS init_max,
         MAX(CASE WHEN queue_rn = MAX(1, (50 * total + 99) / 100) THEN queue_ms END) AS queue_p50, MAX(queue_ms) AS queue_max,
         MAX(memory_used_mb) AS memory_max, MAX(memory_limit_mb) AS limit_max
       FROM r GROUP BY b`,
    );
    this.metricsByStatusStatement = this.db.prepare<MetricsParams, { b: number; status: InvocationStatus; n: number }>(
      `WITH bucketed AS (${bucketedRows}) SELECT b, status, COUNT(*) AS n FROM bucketed GROUP BY b, status`,
    );
    this.insert = this.db.prepare(
      `INSERT OR IGNORE INTO invocations (request_id, attempt, owner_id, function_id, function_name, version, trigger, started_at,
         duration_ms, init_ms, cold, stem_cell, queue_ms, memory_used_mb, memory_limit_mb, status, error_type, error_message, logs,
         logs_truncated, worker_id, correlation_id) VALUES (${Array(22).fill('?').join(', ')})`,
    );
    // Positional parameters: binding by name costs a property lookup per column and row.
    this.writeBatch = this.db.transaction((records: InvocationRecord[]) => {
      for (const r of records)
        this.insert.run(
          r.requestId,
          r.attempt,
          r.ownerId,
          r.functionId,
          r.functionName,
          r.version,
          r.trigger,
          r.startedAt,
          r.durationMs,
          r.initMs,
          r.cold ? 1 : 0,
          r.stemCell ? 1 : 0,
          r.queueMs,
          r.memoryUsedMb,
          r.memoryLimitMb,
          r.status,
          r.errorType,
          r.errorMessage,
          r.logs,
          r.logsTruncated ? 1 : 0,
          r.workerId,
          r.correlationId,
        );
    });
  }

  /** Records dropped because the buffer was full while they could not be written. */
  get dropped(): number {
    return this.pending.dropped;
  }

  append(record: InvocationRecord): void {
    this.pending.add(record);
    if (this.pending.length >= maxBatch && !this.pending.failing) this.flushNow();
    else this.timer ??= setTimeout(() => this.flushNow(), flushDelayMs);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending.take();
    try {
      this.writeBatch(batch);
    } catch (err) {
      this.pending.writeFailed(batch, err as Error, 'is the disk full? keeping them in memory and retrying');
      this.timer = setTimeout(() => this.flushNow(), retryMs).unref();
      return;
    }
    this.pending.written();
  }

  async flush(): Promise<void> {
    this.flushNow();
  }

  async list(ownerId: string, functionName: string, query: InvocationQuery): Promise<InvocationRecord[]> {
    this.flushNow();
    const conditions = ['owner_id = ?', 'function_name = ?'];
    const params: unknown[] = [ownerId, functionName];
    if (query.before !== undefined) {
      conditions.push('started_at < ?');
      params.push(query.before);
    }
    if (query.since !== undefined) {
      conditions.push('started_at >= ?');
      params.push(query.since);
    }
    if (query.cold !== undefined) {
      conditions.push('cold = ?');
      params.push(query.cold ? 1 : 0);
    }
    if (query.status !== undefined) {
      conditions.push('status = ?');
      params.push(query.status);
    }
    if (query.version !== undefined) {
      conditions.push('version = ?');
      params.push(query.version);
    }
    if (query.correlationId !== undefined) {
      conditions.push('correlation_id = ?');
      params.push(query.correlationId);
    }
    if (query.text !== undefined) {
      conditions.push("logs LIKE ? ESCAPE '\\'");
      params.push(`%${query.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const sql = `SELECT * FROM invocations WHERE ${conditions.join(' AND ')} ORDER BY started_at DESC, rowid DESC LIMIT ?`;
    return this.db
      .prepare<unknown[], Row>(sql)
      .all(...params, query.limit)
      .map(toRecord);
  }

  async get(ownerId: string, requestId: string): Promise<InvocationRecord | null> {
    this.flushNow();
    const row = this.db
      .prepare<[string, string], Row>(
        'SELECT * FROM invocations WHERE request_id = ? AND owner_id = ? ORDER BY attempt DESC LIMIT 1',
      )
      .get(requestId, ownerId);
    return row ? toRecord(row) : null;
  }

  async stats(ownerId: string, functionName: string): Promise<InvocationStats> {
    this.flushNow();
    const where = 'WHERE owner_id = ? AND function_name = ?';
    const byStatusRows = this.db
      .prepare<[string, string], { status: InvocationStatus; n: number; cold: number }>(
        `SELECT status, COUNT(*) AS n, SUM(cold) AS cold FROM invocations ${where} GROUP BY status`,
      )
      .all(ownerId, functionName);
    const byStatus: InvocationStats['byStatus'] = {};
    let count = 0;
    let coldCount = 0;
    for (const row of byStatusRows) {
      byStatus[row.status] = row.n;
      count += row.n;
      coldCount += row.cold;
    }
    const percentile = this.db.prepare<[string, string, number], { d: number }>(
      `SELECT duration_ms AS d FROM invocations ${where} ORDER BY duration_ms LIMIT 1 OFFSET ?`,
    );
    // Nearest-rank percentile: the smallest duration at or above p of all records.
    const at = (p: number) =>
      count === 0 ? null : (percentile.get(ownerId, functionName, Math.max(0, Math.ceil(p * count) - 1))?.d ?? null);
    return {
      count,
      errorCount: count - (byStatus.ok ?? 0),
      coldCount,
      coldRatio: count === 0 ? 0 : coldCount / count,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      p99Ms: at(0.99),
      byStatus,
    };
  }

  async metrics(ownerId: string, functionName: string, query: MetricsQuery): Promise<MetricsBucket[]> {
    this.flushNow();
    const buckets = emptyBuckets(query);
    const params = { ownerId, functionName, from: query.from, to: query.to, step: query.stepMs };
    for (const row of this.metricsStatement.all(params)) {
      const bucket = buckets[row.b];
      if (!bucket) continue;
      Object.assign(bucket, {
        count: row.n,
        coldCount: row.cold,
        p50Ms: row.p50,
        p95Ms: row.p95,
        p99Ms: row.p99,
        initP50Ms: row.init_p50,
        initMaxMs: row.init_max,
        queueP50Ms: row.queue_p50,
        queueMaxMs: row.queue_max,
        memoryMaxMb: row.memory_max,
        memoryLimitMb: row.limit_max,
      });
    }
    for (const row of this.metricsByStatusStatement.all(params)) {
      const bucket = buckets[row.b];
      if (bucket) bucket.byStatus[row.status] = row.n;
    }
    return buckets;
  }

  async close(): Promise<void> {
    await this.retention?.stop();
    this.flushNow();
    clearTimeout(this.timer);
    if (this.pending.length > 0)
      this.options.logger.error({ lost: this.pending.length }, 'closing with invocation records that could not be written');
    this.db.close();
  }
}

import { MongoClient, type Collection, type Filter } from 'mongodb';
import {
  emptyBuckets,
  nearestRank,
  NuboError,
  redactUrl,
  type MetricsBucket,
  type MetricsQuery,
  type InvocationLog,
  type InvocationQuery,
  type InvocationRecord,
  type InvocationStats,
  type InvocationStatus,
  type Logger,
} from '@nubo/core';
import { PendingRecords } from './pending-records.js';

type Document = InvocationRecord & { startedAtDate: Date };

export interface MongoLogOptions {
  url: string;
  database: string;
  logger: Logger;
  /** Most records held in memory while MongoDB is slow or down; past it the oldest are dropped. */
  bufferMax: number;
  /** Records older than this many days expire (a TTL index); unset keeps them. */
  retentionDays?: number;
  /** Retry interval while MongoDB is failing. */
  flushIntervalMs?: number;
  /**
   * How long a record waits for others to share its write (NUBO_LOG_BATCH_MS). Each write has a fixed
   * cost on the gateway and on MongoDB, so fewer, larger writes leave more of the node to invocations.
   */
  batchDelayMs: number;
}

const batchSize = 1000;
/** Buckets of one metrics query aggregated at once. */
const metricsConcurrency = 8;

interface MetricsGroup {
  _id: { status: InvocationStatus; cold: boolean };
  n: number;
}

type RankedField = 'durationMs' | 'initMs' | 'queueMs' | 'memoryUsedMb' | 'memoryLimitMb';

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs `work` on every item, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

function storeUnavailable(err: unknown): never {
  throw new NuboError(
    'NUBO_ERR_STORE_UNAVAILABLE',
    `The invocation log (MongoDB) is unavailable: ${(err as Error).message}. Retry shortly; the operator should check MongoDB.`,
  );
}

/**
 * The production InvocationLog: records are buffered in memory and written to MongoDB in batches
 * off the request path, so a slow or down MongoDB never slows or fails an invocation. The buffer
 * is bounded; what it drops is counted and logged.
 */
export class MongoInvocationLog implements InvocationLog {
  private readonly buffer: PendingRecords;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private flushScheduled = false;

  private constructor(
    private readonly client: MongoClient,
    private readonly collection: Collection<Document>,
    private readonly options: MongoLogOptions,
  ) {
    this.buffer = new PendingRecords(options.bufferMax, options.logger);
    // The retry timer writes only what no batch timer will: while MongoDB is failing, appends start none.
    this.timer = setInterval(() => {
      if (this.buffer.length > 0 && !this.flushScheduled) void this.flush().catch(() => undefined);
    }, options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  static async connect(options: MongoLogOptions): Promise<MongoInvocationLog> {
    const client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: 3000,
      connectTimeoutMS: 3000,
      socketTimeoutMS: 10_000,
    });
    try {
      await client.connect();
      const collection = client.db(options.database).collection<Document>('invocations');
      // Records of an async event's retries share its request id: unique per attempt.
      await collection.dropIndex('requestId_1').catch(() => undefined);
      await collection.createIndex({ requestId: 1, attempt: 1 }, { unique: true });
      await collection.createIndex({ ownerId: 1, functionName: 1, startedAt: -1 });
      if (options.retentionDays) {
        await collection
          .createIndex({ startedAtDate: 1 }, { expireAfterSeconds: options.retentionDays * 86_400 })
          .catch((err: Error) =>
            options.logger.warn({ err: err.message }, 'this MongoDB server cannot expire records (TTL index); retention is off'),
          );
      }
      return new MongoInvocationLog(client, collection, options);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw new NuboError(
        'NUBO_ERR_CONFIG_INVALID',
        `Cannot use the MongoDB invocation log at ${redactUrl(options.url)} (${(err as Error).message}): check NUBO_MONGO_URL and that MongoDB is running.`,
      );
    }
  }

  /** Records dropped because the buffer was full while MongoDB was unavailable. */
  get dropped(): number {
    return this.buffer.dropped;
  }

  append(record: InvocationRecord): void {
    this.buffer.add(record);
    // Written shortly after, in one batch with the records of the same few milliseconds; while
    // MongoDB is failing, only the retry timer writes.
    if (!this.buffer.failing && !this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => {
        this.flushScheduled = false;
        void this.flush().catch(() => undefined);
      }, this.options.batchDelayMs).unref();
    }
  }

  /** Records waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  flush(): Promise<void> {
    this.flushing ??= this.writeBuffered().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async writeBuffered(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.take(batchSize);
      try {
        await this.collection.insertMany(
          batch.map((r) => ({ ...r, startedAtDate: new Date(r.startedAt) })),
          { ordered: false },
        );
      } catch (err) {
        // A duplicate key means that record was written by an earlier, partly failed batch.
        const writeErrors = (err as { writeErrors?: { code?: number }[] }).writeErrors;
        if (!writeErrors || writeErrors.some((e) => e.code !== 11000)) {
          this.buffer.writeFailed(batch, err as Error, 'keeping them buffered');
          throw err;
        }
      }
      this.buffer.written();
    }
  }

  private async readAfterFlush(): Promise<void> {
    // Reads see this gateway's own records, unless writing them is stuck: then reads go on.
    await Promise.race([this.flush().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }

  private strip(doc: Document): InvocationRecord {
    const { _id, startedAtDate: _date, ...record } = doc as Document & { _id?: unknown };
    // Records written before attempts were numbered are first attempts (and before stem cells or correlation ids, none).
    const known = record as Partial<InvocationRecord>;
    return {
      ...record,
      attempt: known.attempt ?? 1,
      stemCell: known.stemCell ?? false,
      correlationId: known.correlationId ?? null,
    } as InvocationRecord;
  }

  async list(ownerId: string, functionName: string, query: InvocationQuery): Promise<InvocationRecord[]> {
    await this.readAfterFlush();
    const filter: Filter<Document> = { ownerId, functionName };
    if (query.before !== undefined) filter.startedAt = { $lt: query.before };
    if (query.since !== undefined) filter.startedAt = { ...(filter.startedAt as object), $gte: query.since };
    if (query.cold !== undefined) filter.cold = query.cold;
    if (query.status !== undefined) filter.status = query.status;
    if (query.version !== undefined) filter.version = query.version;
    if (query.text !== undefined) filter.logs = { $regex: escapeRegExp(query.text), $options: 'i' };
    if (query.correlationId !== undefined) filter.correlationId = query.correlationId;
    const docs = await this.collection
      .find(filter)
      .sort({ startedAt: -1, _id: -1 })
      .limit(query.limit)
      .toArray()
      .catch(storeUnavailable);
    return docs.map((d) => this.strip(d));
  }

  async get(ownerId: string, requestId: string): Promise<InvocationRecord | null> {
    await this.readAfterFlush();
    const doc = await this.collection.findOne({ requestId, ownerId }, { sort: { attempt: -1 } }).catch(storeUnavailable);
    return doc ? this.strip(doc) : null;
  }

  async stats(ownerId: string, functionName: string): Promise<InvocationStats> {
    await this.readAfterFlush();
    const match = { ownerId, functionName };
    const groups = await this.collection
      .aggregate<{ _id: { status: InvocationStatus; cold: boolean }; n: number }>([
        { $match: match },
        { $group: { _id: { status: '$status', cold: '$cold' }, n: { $sum: 1 } } },
      ])
      .toArray()
      .catch(storeUnavailable);
    const byStatus: InvocationStats['byStatus'] = {};
    let count = 0;
    let coldCount = 0;
    for (const g of groups) {
      byStatus[g._id.status] = (byStatus[g._id.status] ?? 0) + g.n;
      count += g.n;
      if (g._id.cold) coldCount += g.n;
    }
    // Nearest-rank percentiles, each one indexed query in the database.
    const at = async (p: number): Promise<number | null> => {
      if (count === 0) return null;
      const [doc] = await this.collection
        .find(match, { projection: { durationMs: 1 } })
        .sort({ durationMs: 1 })
        .skip(Math.max(0, Math.ceil(p * count) - 1))
        .limit(1)
        .toArray()
        .catch(storeUnavailable);
      return doc?.durationMs ?? null;
    };
    const [p50Ms, p95Ms, p99Ms] = await Promise.all([at(0.5), at(0.95), at(0.99)]);
    return {
      count,
      errorCount: count - (byStatus.ok ?? 0),
      coldCount,
      coldRatio: count === 0 ? 0 : coldCount / count,
      p50Ms,
      p95Ms,
      p99Ms,
      byStatus,
    };
  }

  /**
   * One small aggregation per bucket, and one indexed query per percentile of a bucket that has
   * records: FerretDB (which the tests run on) groups only by fields, so buckets cannot be a
   * computed group key, and it has no $percentile. A console window has tens of buckets.
   */
  async metrics(ownerId: string, functionName: string, query: MetricsQuery): Promise<MetricsBucket[]> {
    await this.readAfterFlush();
    const buckets = emptyBuckets(query);
    await eachLimited(buckets, metricsConcurrency, async (bucket) => {
      const match = {
        ownerId,
        functionName,
        startedAt: { $gte: bucket.start, $lt: Math.min(bucket.start + query.stepMs, query.to) },
      };
      const groups = await this.collection
        .aggregate<MetricsGroup>([
          { $match: match },
          {
            $group: {
              _id: { status: '$status', cold: '$cold' },
              n: { $sum: 1 },
            },
          },
        ])
        .toArray()
        .catch(storeUnavailable);
      if (groups.length === 0) return;
      for (const g of groups) {
        bucket.count += g.n;
        bucket.byStatus[g._id.status] = (bucket.byStatus[g._id.status] ?? 0) + g.n;
        if (g._id.cold) bucket.coldCount += g.n;
      }
      // The value at a rank of the bucket's records sorted by one field (nulls sort first): FerretDB has
      // no $max, and $sum only counts.
      const ranked = async (field: RankedField, rank: number, filter: Filter<Document> = match): Promise<number | null> => {
        const [doc] = await this.collection
          .find(filter, { projection: { [field]: 1 } })
          .sort({ [field]: 1 })
          .skip(rank - 1)
          .limit(1)
          .toArray()
          .catch(storeUnavailable);
        return doc?.[field] ?? null;
      };
      const n = bucket.count;
      const withInit = { ...match, initMs: { $ne: null } };
      const initCount = await this.collection.countDocuments(withInit).catch(storeUnavailable);
      [
        bucket.p50Ms,
        bucket.p95Ms,
        bucket.p99Ms,
        bucket.initP50Ms,
        bucket.initMaxMs,
        bucket.queueP50Ms,
        bucket.queueMaxMs,
        bucket.memoryMaxMb,
        bucket.memoryLimitMb,
      ] = await Promise.all([
        ranked('durationMs', nearestRank(0.5, n)),
        ranked('durationMs', nearestRank(0.95, n)),
        ranked('durationMs', nearestRank(0.99, n)),
        initCount > 0 ? ranked('initMs', nearestRank(0.5, initCount), withInit) : null,
        ranked('initMs', n),
        ranked('queueMs', nearestRank(0.5, n)),
        ranked('queueMs', n),
        ranked('memoryUsedMb', n),
        ranked('memoryLimitMb', n),
      ]);
    });
    return buckets;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush().catch((err: Error) =>
      this.options.logger.error({ err: err.message, lost: this.buffer.length }, 'invocation records not written at shutdown'),
    );
    await this.client.close();
  }
}

import { DelayedError, Queue, UnrecoverableError, Worker, type Job, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  assertOwnerRoom,
  keptResult,
  NuboError,
  scheduleTickId,
  type AsyncInvocation,
  type AttemptSummary,
  type DeadLetterQuery,
  type Enqueued,
  type EnqueueInput,
  type EnqueueLimits,
  type EventError,
  type EventProcessor,
  type InvocationQueue,
  type Logger,
  type OwnerQueueLimits,
  type QueuedEvent,
  type QueueSettings,
  type QueueUsage,
  type Schedule,
  type ScheduleTarget,
} from '@nubo/core';
import { luaRunner, type LuaRun } from './lua-runner.js';
import { poolUnavailable } from './redis-connection.js';
import { QueueHoldReply } from './script-replies.js';

/** What a BullMQ job carries: the event without its id (the job id), or a schedule's template. */
type EventData = Omit<QueuedEvent, 'requestId'>;

/**
 * A finished job's return value (status ok) or, JSON in its failedReason, a dead letter's; its
 * attempts ride along, which saves updating the job's data once more.
 */
interface Outcome {
  status: AsyncInvocation['status'];
  attempts?: AttemptSummary[];
  result?: unknown;
  resultDropped?: true;
  error?: EventError;
}

/** Where an event's id leads: its function's queue and the job (a schedule tick's job has an id of BullMQ's). */
interface IdEntry {
  functionId: string;
  ownerId: string;
  jobId: string;
}

export interface RedisQueueOptions {
  /** Fails fast (the gateway's connection): enqueue and reads. */
  redis: Redis;
  /** For BullMQ's workers, which block and must retry forever (maxRetriesPerRequest null). */
  workerConnection: Redis;
  /** NUBO_REDIS_PREFIX; BullMQ's keys live under `<prefix>bull:`. */
  prefix: string;
  settings: QueueSettings;
  /** A consumer that stops renewing its lock for this long loses the event to another consumer. */
  lockMs: number;
  logger: Logger;
  /** How often consumers look for functions with asynchronous work. */
  discoverEveryMs?: number;
}

/** A gateway that dies mid-event leaves it stalled; after this many such losses the event is dead-lettered. */
const maxStalls = 5;

/**
 * The distributed InvocationQueue on BullMQ: one queue per function, whose global concurrency is the
 * function's asyncConcurrency, so every gateway's consumer together never runs more at once. Retries
 * wait as delayed jobs, dead letters are failed jobs, schedules are BullMQ job schedulers (one job
 * per tick however many gateways run), and a stalled job (its gateway died) runs again.
 */
export class RedisInvocationQueue implements InvocationQueue {
  private readonly queues = new Map<string, Queue>();
  private readonly workers = new Map<string, Worker>();
  private readonly knownLimits = new Map<string, string>();
  private processor: EventProcessor | undefined;
  private discovery: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly run: LuaRun;

  constructor(private readonly options: RedisQueueOptions) {
    this.run = luaRunner(options.redis, options.prefix);
  }

  /**
   * Counts an event against its owner's quotas (events and bytes waiting or running, kept in
   * `async:owner:{owner}` with each event's bytes in `async:held:{function}`); false when refused.
   */
  private async hold(data: { functionId: string; ownerId: string }, jobId: string, bytes: number, owner?: OwnerQueueLimits) {
    const unlimited = Number.MAX_SAFE_INTEGER;
    const [reply, events, held] = await this.run<[number, number, number]>(
      'queue-hold',
      [this.key('held', data.functionId), this.key('owner', data.ownerId)],
      [jobId, bytes, owner?.maxEvents ?? unlimited, owner?.maxBytes ?? unlimited],
    );
    if (reply === QueueHoldReply.EVENTS || reply === QueueHoldReply.BYTES)
      assertOwnerRoom({ events, bytes: held }, bytes, owner!);
  }

  /** Events that no longer wait or run stop counting against their owner's quotas. */
  private async release(data: { functionId: string; ownerId: string }, jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.run('queue-release', [this.key('held', data.functionId), this.key('owner', data.ownerId)], jobIds);
  }

  private key(...parts: string[]): string {
    return `${this.options.prefix}async:${parts.join(':')}`;
  }

  private queue(functionId: string): Queue {
    let queue = this.queues.get(functionId);
    if (!queue) {
      queue = new Queue(functionId, { connection: this.options.redis, prefix: `${this.options.prefix}bull` });
      queue.on('error', (err) => this.options.logger.warn({ err: err.message }, 'async queue error'));
      this.queues.set(functionId, queue);
    }
    return queue;
  }

  private jobOptions(delayMs: number, jobId?: string): JobsOptions {
    const { retentionMs, deadLetterRetentionMs } = this.options.settings;
    return {
      ...(jobId ? { jobId } : {}),
      delay: Math.max(0, delayMs),
      attempts: 1,
      removeOnComplete: { age: Math.ceil(retentionMs / 1000) },
      removeOnFail: { age: Math.ceil(deadLetterRetentionMs / 1000) },
    };
  }

  /** Keeps the function's limits where consumers find them, and its queue's global concurrency. */
  private async applyLimits(functionId: string, limits: EnqueueLimits): Promise<void> {
    const value = JSON.stringify(limits);
    if (this.knownLimits.get(functionId) === value) return;
    await this.options.redis.hset(this.key('functions'), functionId, value);
    await this.queue(functionId).setGlobalConcurrency(limits.concurrency);
    this.knownLimits.set(functionId, value);
  }

  private async remember(requestId: string, entry: IdEntry): Promise<void> {
    const { retentionMs, deadLetterRetentionMs } = this.options.settings;
    await this.options.redis.set(
      this.key('id', requestId),
      JSON.stringify(entry),
      'PX',
      Math.max(retentionMs, deadLetterRetentionMs) * 2,
    );
  }

  async enqueue(input: EnqueueInput, limits: EnqueueLimits): Promise<Enqueued> {
    try {
      await this.applyLimits(input.functionId, limits);
      const queue = this.queue(input.functionId);
      // Both in one round trip (one connection pipelines them).
      const [existing, counts] = await Promise.all([
        queue.getJob(input.requestId),
        queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized'),
      ]);
      if (existing) return { requestId: input.requestId, duplicate: true };
      const waiting = Object.values(counts).reduce((sum, n) => sum + n, 0);
      if (waiting >= limits.maxQueued)
        throw new NuboError(
          'NUBO_ERR_QUEUE_FULL',
          `${input.functionName} has ${waiting} events waiting, its maxQueuedEvents: retry later, or raise maxQueuedEvents or asyncConcurrency.`,
        );
      const idempotency = input.idempotencyKey ? this.key('idem', input.functionId, input.idempotencyKey) : null;
      if (idempotency) {
        const claimed = await this.options.redis.set(idempotency, input.requestId, 'PX', this.options.settings.retentionMs, 'NX');
        if (claimed === null) {
          const first = await this.options.redis.get(idempotency);
          if (first) return { requestId: first, duplicate: true };
        }
      }
      const bytes = Buffer.byteLength(JSON.stringify(input.event ?? null));
      try {
        await this.hold(input, input.requestId, bytes, limits.owner);
      } catch (err) {
        if (idempotency) await this.options.redis.del(idempotency).catch(() => undefined);
        throw err;
      }
      const now = Date.now();
      const acceptedAt = input.acceptedAt ?? now;
      const data: EventData = {
        correlationId: input.correlationId ?? null,
        chainDepth: input.chainDepth ?? 0,
        ownerId: input.ownerId,
        functionId: input.functionId,
        functionName: input.functionName,
        event: input.event ?? null,
        trigger: input.trigger,
        scheduleName: input.scheduleName ?? null,
        acceptedAt,
        attempts: [],
      };
      try {
        await Promise.all([
          this.remember(input.requestId, { functionId: input.functionId, ownerId: input.ownerId, jobId: input.requestId }),
          queue.add('event', data, this.jobOptions(acceptedAt - now, input.requestId)),
        ]);
      } catch (err) {
        if (idempotency) await this.options.redis.del(idempotency).catch(() => undefined);
        await this.release(input, [input.requestId]).catch(() => undefined);
        throw err;
      }
      return { requestId: input.requestId, duplicate: false };
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  async get(ownerId: string, requestId: string): Promise<AsyncInvocation | null> {
    const raw = await this.options.redis.get(this.key('id', requestId)).catch(poolUnavailable);
    if (!raw) return null;
    const entry = JSON.parse(raw) as IdEntry;
    if (entry.ownerId !== ownerId) return null;
    const queue = this.queue(entry.functionId);
    // The state before the job: a job read first could finish before its state is read, and show
    // `ok` without its result. Read this way round, a job is at worst one state behind.
    const state = await queue.getJobState(entry.jobId).catch(poolUnavailable);
    const job = await queue.getJob(entry.jobId).catch(poolUnavailable);
    return job ? this.invocationOf(requestId, job, state) : null;
  }

  private invocationOf(requestId: string, job: Job<EventData>, state: string): AsyncInvocation | null {
    // Jobs queued before correlation ids existed have none.
    const base = {
      ...job.data,
      correlationId: job.data.correlationId ?? null,
      chainDepth: job.data.chainDepth ?? 0,
      requestId,
      finishedAt: job.finishedOn ?? null,
      runAt: null,
      deadLetter: false,
    };
    switch (state) {
      case 'completed':
        return { ...base, ...(job.returnvalue as Outcome), status: 'ok' };
      case 'failed':
        return { ...base, ...this.failureOf(job), deadLetter: true };
      case 'active':
        return { ...base, status: 'running' };
      case 'waiting':
      case 'prioritized':
      case 'delayed':
      case 'waiting-children':
        return { ...base, status: 'queued', runAt: job.timestamp + (job.delay ?? 0) };
      default:
        return null;
    }
  }

  /** A dead letter's outcome; a job BullMQ failed itself (stalled too often) says so in plain words. */
  private failureOf(job: Job): Outcome {
    try {
      return JSON.parse(job.failedReason) as Outcome;
    } catch {
      return { status: 'failed', error: { type: 'Stalled', message: job.failedReason } };
    }
  }

  consume(processor: EventProcessor): void {
    this.processor = processor;
    const discover = () => {
      if (this.closed) return;
      this.syncWorkers()
        .catch((err: Error) => this.options.logger.warn({ err: err.message }, 'could not look for async work; trying again'))
        .finally(() => {
          if (!this.closed) this.discovery = setTimeout(discover, this.options.discoverEveryMs ?? 1000);
        });
    };
    discover();
  }

  /** One BullMQ worker per function with asynchronous work, at its asyncConcurrency. */
  private async syncWorkers(): Promise<void> {
    const functions = await this.options.redis.hgetall(this.key('functions'));
    for (const [functionId, raw] of Object.entries(functions)) {
      const { concurrency } = JSON.parse(raw) as EnqueueLimits;
      const existing = this.workers.get(functionId);
      if (existing) {
        if (existing.concurrency !== concurrency) existing.concurrency = concurrency;
        continue;
      }
      if (this.closed) return;
      const worker = new Worker<EventData>(functionId, (job, token) => this.process(job, token), {
        connection: this.options.workerConnection,
        prefix: `${this.options.prefix}bull`,
        concurrency,
        lockDuration: this.options.lockMs,
        stalledInterval: this.options.lockMs,
        maxStalledCount: maxStalls,
      });
      worker.on('error', (err) => this.options.logger.warn({ err: err.message, functionId }, 'async consumer error'));
      // Done for good (run, dead-lettered, or failed by BullMQ after stalling too often): it no longer counts.
      const settled = (job: Job<EventData> | undefined) => {
        if (job?.id) void this.release(job.data, [job.id]).catch(() => undefined);
      };
      worker.on('completed', settled);
      worker.on('failed', settled);
      this.workers.set(functionId, worker);
    }
    for (const [functionId, worker] of this.workers) {
      if (functionId in functions) continue;
      this.workers.delete(functionId);
      await worker.close();
    }
  }

  private async process(job: Job<EventData>, token: string | undefined): Promise<Outcome | undefined> {
    if (job.data.trigger === 'schedule' && job.repeatJobKey) {
      // A tick's first run: is it on time, and where its id leads. Its retries keep the tick they had.
      if (job.data.attempts.length === 0) {
        const tick = job.timestamp + (job.opts.delay ?? 0);
        if (Date.now() - tick > this.options.settings.maxScheduleLagMs) {
          this.options.logger.warn(
            { function: job.data.functionName, schedule: job.data.scheduleName, tick },
            'skipped a schedule tick missed while Nubo was down',
          );
          return undefined;
        }
        job.data.acceptedAt = tick;
        await job.updateData(job.data);
        await this.remember(this.requestIdOf(job), {
          functionId: job.data.functionId,
          ownerId: job.data.ownerId,
          jobId: job.id!,
        });
      }
    }
    const requestId = this.requestIdOf(job);
    const decision = await this.processor!({
      event: {
        ...job.data,
        correlationId: job.data.correlationId ?? null,
        chainDepth: job.data.chainDepth ?? 0,
        requestId,
      },
      markRunning: (attempts: AttemptSummary[]) => job.updateData({ ...job.data, attempts }),
    });
    if (decision.kind === 'retry') {
      await job.updateData({ ...job.data, attempts: decision.attempts });
      await job.moveToDelayed(Date.now() + decision.delayMs, token);
      throw new DelayedError();
    }
    const outcome: Outcome = {
      status: decision.status,
      attempts: decision.attempts,
      ...keptResult(decision.result, this.options.settings.maxResultBytes),
      ...(decision.error ? { error: decision.error } : {}),
    };
    if (decision.status === 'ok') return outcome;
    throw new UnrecoverableError(JSON.stringify(outcome));
  }

  async deadLetters(functionId: string, query: DeadLetterQuery): Promise<AsyncInvocation[]> {
    const jobs = await this.queue(functionId)
      .getFailed(0, query.limit - 1)
      .catch(poolUnavailable);
    return jobs
      .map((job) => this.invocationOf(this.requestIdOf(job as Job<EventData>), job as Job<EventData>, 'failed'))
      .filter((letter): letter is AsyncInvocation => letter !== null);
  }

  private requestIdOf(job: Job<EventData>): string {
    if (!job.repeatJobKey) return job.id!;
    return scheduleTickId(job.data.functionId, job.data.scheduleName ?? '', job.data.acceptedAt);
  }

  /** The failed job of a dead letter's id (a schedule tick's is found through its id entry). */
  private async deadJob(functionId: string, requestId: string): Promise<Job<EventData> | null> {
    const raw = await this.options.redis.get(this.key('id', requestId));
    const jobId = raw ? (JSON.parse(raw) as IdEntry).jobId : requestId;
    const job = (await this.queue(functionId).getJob(jobId)) as Job<EventData> | undefined;
    if (!job || job.data.functionId !== functionId) return null;
    return (await job.getState()) === 'failed' ? job : null;
  }

  async retryDeadLetter(functionId: string, requestId: string): Promise<boolean> {
    try {
      const job = await this.deadJob(functionId, requestId);
      if (!job) return false;
      const { attempts } = this.failureOf(job);
      await job.updateData({ ...job.data, attempts: attempts ?? job.data.attempts, acceptedAt: Date.now() });
      await job.retry('failed');
      // Queued again: it counts again (a retry the owner asks for is not refused by the quota).
      await this.hold(job.data, job.id!, Buffer.byteLength(JSON.stringify(job.data.event ?? null)));
      return true;
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  async removeDeadLetter(functionId: string, requestId: string): Promise<boolean> {
    try {
      const job = await this.deadJob(functionId, requestId);
      if (!job) return false;
      await job.remove();
      return true;
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  async setSchedules(target: ScheduleTarget, schedules: Schedule[]): Promise<void> {
    try {
      await this.applyLimits(target.functionId, target.limits);
      const queue = this.queue(target.functionId);
      const wanted = new Set(schedules.map((s) => s.name));
      for (const existing of await queue.getJobSchedulers()) {
        if (!wanted.has(existing.key)) await queue.removeJobScheduler(existing.key);
      }
      if (schedules.length > 0)
        await this.options.redis.hset(this.key('schedules', target.ownerId), target.functionId, schedules.length);
      else await this.options.redis.hdel(this.key('schedules', target.ownerId), target.functionId);
      for (const s of schedules) {
        const data: EventData = {
          correlationId: null,
          chainDepth: 0,
          ownerId: target.ownerId,
          functionId: target.functionId,
          functionName: target.functionName,
          event: s.event ?? {},
          trigger: 'schedule',
          scheduleName: s.name,
          acceptedAt: 0,
          attempts: [],
        };
        const { jobId: _unused, delay: _none, ...opts } = this.jobOptions(0);
        await queue.upsertJobScheduler(s.name, { pattern: s.cron, tz: s.timezone }, { name: 'schedule', data, opts });
      }
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  async schedules(functionId: string): Promise<Schedule[]> {
    const schedulers = await this.queue(functionId).getJobSchedulers().catch(poolUnavailable);
    return schedulers
      .map((s) => ({
        name: s.key,
        cron: s.pattern ?? '',
        timezone: s.tz ?? 'UTC',
        event: (s.template?.data as EventData | undefined)?.event ?? {},
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async usage(ownerId: string): Promise<QueueUsage> {
    const [events, bytes] = await this.options.redis.hmget(this.key('owner', ownerId), 'events', 'bytes').catch(poolUnavailable);
    return { events: Number(events ?? 0), bytes: Number(bytes ?? 0) };
  }

  async scheduleCount(ownerId: string): Promise<number> {
    const counts = await this.options.redis.hvals(this.key('schedules', ownerId)).catch(poolUnavailable);
    return counts.reduce((sum, count) => sum + Number(count), 0);
  }

  async removeFunction(functionId: string, ownerId: string): Promise<void> {
    try {
      await this.options.redis.hdel(this.key('functions'), functionId);
      await this.options.redis.hdel(this.key('schedules', ownerId), functionId);
      await this.release({ functionId, ownerId }, await this.options.redis.hkeys(this.key('held', functionId)));
      this.knownLimits.delete(functionId);
      const worker = this.workers.get(functionId);
      this.workers.delete(functionId);
      await worker?.close(true);
      await this.queue(functionId).obliterate({ force: true });
    } catch (err) {
      return poolUnavailable(err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.discovery);
    await Promise.all([...this.workers.values()].map((worker) => worker.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.workers.clear();
    this.queues.clear();
  }
}

import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import {
  NuboError,
  isNuboError,
  newRequestId,
  poolKey,
  type FunctionRecord,
  type FunctionVersion,
  type InvocationLog,
  type InvocationRecord,
  type InvocationStatus,
  type ManagerClient,
  type WorkerInfo,
  type WorkerPool,
  type WorkerSpec,
  type ErrorCode,
} from '@nubo/core';
import { callWorker, type RuntimeReply } from './call-worker.js';
import { createWorkerAgent } from './worker-connections.js';
import type { InvocationMetrics } from '../metrics.js';

export interface InvokeTarget {
  fn: FunctionRecord;
  version: FunctionVersion;
}

export interface InvokeInput extends InvokeTarget {
  event: unknown;
  trigger: InvocationRecord['trigger'];
  logger: FastifyBaseLogger;
  /** Looks the function up afresh (and re-checks access) when its version turned out to be retired. */
  reload: () => Promise<InvokeTarget>;
}

export interface InvokeOutcome {
  requestId: string;
  status: InvocationStatus;
  cold: boolean;
  durationMs: number;
  result?: unknown;
  error?: InvokeError;
}

/** What went wrong; `code` overrides the status's usual error code (a platform failure is a 503). */
export interface InvokeError {
  type: string;
  message: string;
  stack?: string;
  code?: ErrorCode;
}

/** A worker whose connection broke gets this long to finish dying, so its cause (crash, OOM) is known. */
const crashGraceMs = 1000;

interface Attempt {
  worker?: WorkerInfo;
  cold: boolean;
  initMs: number | null;
  queueMs: number;
  status: InvocationStatus;
  reply?: RuntimeReply;
  error?: InvokeError;
  /** The version was retired between lookup and take. */
  retired?: boolean;
}

/** Why a cold start failed, as the invocation reports it. */
function startFailure(err: unknown): Pick<Attempt, 'status' | 'error'> {
  if (isNuboError(err, 'NUBO_ERR_DEPLOY_INIT_FAILED')) {
    return { status: 'error', error: { type: String(err.details?.errorType ?? 'InitError'), message: err.message } };
  }
  if (isNuboError(err, 'NUBO_ERR_NO_CAPACITY')) {
    return { status: 'rejected', error: { type: 'NoCapacity', message: err.message, code: err.code } };
  }
  const platformDown = err instanceof NuboError && err.status === 503;
  return {
    status: 'crash',
    error: { type: 'WorkerStartFailed', message: (err as Error).message, ...(platformDown ? { code: err.code } : {}) },
  };
}

export function specOf(fn: FunctionRecord, version: FunctionVersion): WorkerSpec {
  return {
    functionId: fn.id,
    functionName: fn.name,
    version: version.version,
    runtime: version.runtime,
    handler: version.handler,
    codeDigest: version.codeDigest,
    env: version.env,
    memoryMb: version.limits.memoryMb,
    timeoutMs: version.limits.timeoutMs,
    idleTtlMs: version.limits.idleTtlMs,
    minWarm: version.limits.minWarm,
  };
}

/**
 * The seed's invocation flow: take an idle worker (warm) or have a manager start one (cold), call
 * it directly, give it back, and write exactly one log record.
 */
export class Invoker {
  private readonly agent = createWorkerAgent();

  constructor(
    private readonly deps: {
      pool: WorkerPool;
      managers: ManagerClient;
      invocationLog: InvocationLog;
      metrics: InvocationMetrics;
      maxLogBytes: number;
      maxQueueWaitMs: number | undefined;
      /** A lease outlives the function's timeout by this much, so a live caller never loses its worker. */
      leaseMarginMs: number;
      logger: FastifyBaseLogger;
    },
  ) {}

  async invoke(input: InvokeInput): Promise<InvokeOutcome> {
    const requestId = newRequestId();
    const startedAt = Date.now();
    const started = performance.now();
    const deadline = started + input.version.limits.timeoutMs;
    const payload = JSON.stringify({
      event: input.event,
      context: { requestId, deadlineMs: startedAt + input.version.limits.timeoutMs },
    });

    let attempt = await this.attempt(input, payload, deadline, true);
    if (attempt.retired) {
      // A deploy or removal happened since the lookup: run what is current now.
      input = { ...input, ...(await input.reload()) };
      attempt = await this.attempt(input, payload, deadline, true);
    }
    if (attempt.status === 'crash' && attempt.reply === undefined && attempt.error?.type === 'WorkerUnreachable') {
      attempt = await this.attempt(input, payload, deadline, false);
    }
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    const record = this.record(input, requestId, startedAt, durationMs, attempt);
    this.deps.invocationLog.append(record);
    this.deps.metrics.observe(record);
    input.logger.info(
      {
        requestId,
        function: input.fn.name,
        version: input.version.version,
        worker: attempt.worker?.id,
        cold: attempt.cold,
        status: attempt.status,
        durationMs,
      },
      'invocation',
    );
    return {
      requestId,
      status: attempt.status,
      cold: attempt.cold,
      durationMs,
      ...(attempt.status === 'ok' ? { result: attempt.reply?.result ?? null } : {}),
      ...(attempt.error ? { error: attempt.error } : {}),
    };
  }

  private async attempt(input: InvokeInput, payload: string, deadline: number, mayRetry: boolean): Promise<Attempt> {
    const { pool, managers } = this.deps;
    const limits = input.version.limits;
    const key = poolKey(input.fn.id, input.version.version);
    const leaseMs = limits.timeoutMs + this.deps.leaseMarginMs;
    const acquired = await pool.acquire(key, { leaseMs, maxWorkers: limits.maxConcurrency, waitMs: this.queueWaitMs(deadline) });
    if (acquired.kind === 'retired') {
      return {
        cold: false,
        initMs: null,
        queueMs: acquired.waitedMs,
        status: 'crash',
        retired: true,
        error: { type: 'VersionRetired', message: 'The function changed during the call: retry.' },
      };
    }
    if (acquired.kind === 'full') {
      return {
        cold: false,
        initMs: null,
        queueMs: acquired.waitedMs,
        status: 'rejected',
        error: {
          type: 'AtCapacity',
          message: `All ${limits.maxConcurrency} workers of this function stayed busy for ${Math.round(acquired.waitedMs)} ms: retry later or raise maxConcurrency.`,
        },
      };
    }
    let worker: WorkerInfo;
    let cold = acquired.kind === 'cold';
    let queueMs = acquired.waitedMs;
    if (acquired.kind === 'warm') {
      worker = acquired.worker;
    } else {
      const started = await managers.startWorker(specOf(input.fn, input.version)).catch((err: unknown) => err as Error);
      if (started instanceof Error) {
        await pool.cancelStart(key, acquired.ticket).catch(() => undefined);
        const ownWorker = isNuboError(started, 'NUBO_ERR_NO_CAPACITY')
          ? await this.waitForOwnWorker(key, leaseMs, deadline)
          : null;
        if (!ownWorker) return { cold, initMs: null, queueMs, ...startFailure(started) };
        worker = ownWorker.worker;
        queueMs += ownWorker.waitedMs;
        cold = false;
      } else {
        worker = started;
        await pool.adopt(key, acquired.ticket, worker, leaseMs);
      }
    }
    const initMs = cold ? worker.initMs : null;
    const result = await callWorker(this.agent, worker.address, payload, Math.max(1, deadline - performance.now()));
    switch (result.kind) {
      case 'reply': {
        // The seed's order: answer, then RPUSH. The give-back goes out on the pool's connection
        // before any later take from this gateway, so a client's next call still finds the worker.
        this.track(this.giveBack(worker));
        const { reply } = result;
        return {
          worker,
          cold,
          initMs,
          queueMs,
          reply,
          status: reply.ok ? 'ok' : 'error',
          ...(reply.error ? { error: reply.error } : {}),
        };
      }
      case 'timeout':
        await this.destroy(worker);
        return {
          worker,
          cold,
          initMs,
          queueMs,
          status: 'timeout',
          error: { type: 'Timeout', message: `The function did not finish within its timeout of ${limits.timeoutMs} ms.` },
        };
      case 'unreachable':
        await this.destroy(worker);
        return {
          worker,
          cold,
          initMs,
          queueMs,
          status: 'crash',
          error: {
            type: mayRetry ? 'WorkerUnreachable' : 'WorkerStartFailed',
            message: `The worker could not be reached: ${result.message}`,
          },
        };
      case 'broken': {
        const exit = await this.destroy(worker, crashGraceMs);
        const oom = exit?.oom === true;
        const detail = exit?.exitedByItself ? ` (exit code ${exit.exitCode ?? '-'}, signal ${exit.signal ?? '-'})` : '';
        return {
          worker,
          cold,
          initMs,
          queueMs,
          status: oom ? 'oom' : 'crash',
          error: oom
            ? { type: 'OutOfMemory', message: `The function ran out of its ${limits.memoryMb} MB of memory.` }
            : { type: 'WorkerCrashed', message: `The worker ended during the call${detail}: ${result.message}` },
        };
      }
    }
  }

  /** How long a request may wait for a worker: until its deadline, at most NUBO_MAX_QUEUE_WAIT_MS. */
  private queueWaitMs(deadline: number): number {
    const untilDeadline = Math.max(0, deadline - performance.now());
    return Math.min(untilDeadline, this.deps.maxQueueWaitMs ?? untilDeadline);
  }

  /**
   * No manager has room for another worker: wait (until the deadline) for one of this function's
   * own busy workers to come back instead of failing at once. Null when it has none.
   */
  private async waitForOwnWorker(
    key: string,
    leaseMs: number,
    deadline: number,
  ): Promise<{ worker: WorkerInfo; waitedMs: number } | null> {
    const live = await this.deps.pool.liveCount(key).catch(() => 0);
    const waitMs = this.queueWaitMs(deadline);
    if (live === 0 || waitMs === 0) return null;
    this.deps.metrics.waitingForRoom.inc();
    const again = await this.deps.pool
      .acquire(key, { leaseMs, maxWorkers: live, waitMs })
      .finally(() => this.deps.metrics.waitingForRoom.dec());
    if (again.kind === 'cold') await this.deps.pool.cancelStart(key, again.ticket).catch(() => undefined);
    return again.kind === 'warm' ? { worker: again.worker, waitedMs: again.waitedMs } : null;
  }

  private readonly pendingGiveBacks = new Set<Promise<void>>();

  private track(work: Promise<void>): void {
    this.pendingGiveBacks.add(work);
    void work.finally(() => this.pendingGiveBacks.delete(work));
  }

  /** Back to the pool; if the pool is unreachable the lease runs out and the manager reclaims it. */
  private async giveBack(worker: WorkerInfo): Promise<void> {
    try {
      if (!(await this.deps.pool.giveBack(worker))) await this.destroy(worker);
    } catch (err) {
      this.deps.logger.warn(
        { worker: worker.id, err: (err as Error).message },
        'could not give the worker back; its manager will reclaim it when the lease ends',
      );
    }
  }

  private async destroy(worker: WorkerInfo, graceMs?: number) {
    await this.deps.pool.forget(worker).catch(() => undefined);
    return this.deps.managers.destroyWorker(worker, graceMs ? { graceMs } : {}).catch(() => null);
  }

  private record(
    input: InvokeInput,
    requestId: string,
    startedAt: number,
    durationMs: number,
    attempt: Attempt,
  ): InvocationRecord {
    const rawLogs = attempt.reply?.logs ?? '';
    const logs =
      Buffer.byteLength(rawLogs) > this.deps.maxLogBytes
        ? Buffer.from(rawLogs).subarray(0, this.deps.maxLogBytes).toString('utf8')
        : rawLogs;
    return {
      requestId,
      ownerId: input.fn.ownerId,
      functionId: input.fn.id,
      functionName: input.fn.name,
      version: input.version.version,
      trigger: input.trigger,
      startedAt,
      durationMs,
      initMs: attempt.initMs,
      cold: attempt.cold,
      queueMs: attempt.queueMs,
      memoryUsedMb: attempt.reply?.memoryMb ?? null,
      memoryLimitMb: input.version.limits.memoryMb,
      status: attempt.status,
      errorType: attempt.error?.type ?? null,
      errorMessage: attempt.error?.message ?? null,
      logs,
      logsTruncated: (attempt.reply?.logsTruncated ?? false) || logs.length < rawLogs.length,
      workerId: attempt.worker?.id ?? null,
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.pendingGiveBacks);
    await this.agent.close();
  }
}

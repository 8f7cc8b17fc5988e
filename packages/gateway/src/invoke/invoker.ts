import { performance } from 'node:perf_hooks';
import { functionArn } from '../lambda-api/lambda-shapes.js';
import { NuboError, WorkerInitError, isNuboError, type InvocationLog, type InvocationStatus, type WorkerInfo } from '@nubo/core';
import type { InvokeRequest, RuntimeReply } from '@nubo/runtime';
import type { InvocationMetrics } from '../metrics.js';
import { callWorker, type CallResult } from './call-worker.js';
import { invocationRecord } from './invocation-record.js';
import type { InvokeError, InvokeInput, InvokeOutcome, ShapedResult } from './invocation-types.js';
import { WorkerConnections } from './worker-connections.js';
import type { WorkerSupply } from './worker-supply.js';

/** The request for the worker; an event too deeply nested to serialise is the caller's error, not a crash. */
function serialise(request: InvokeRequest): string {
  try {
    return JSON.stringify(request);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new NuboError(
      'NUBO_ERR_INVOKE_INVALID_JSON',
      'The event is nested too deeply to pass on to a worker: send a flatter document.',
    );
  }
}

/** A result for a trigger that shapes it: parsed from the worker's JSON bytes when it sent them so. */
function shapeResult(shape: (result: unknown) => ShapedResult, parsed: unknown, resultJson: Buffer | undefined): ShapedResult {
  if (!resultJson) return shape(parsed);
  let value: unknown;
  try {
    value = JSON.parse(resultJson.toString('utf8'));
  } catch (err) {
    return {
      ok: false,
      error: {
        type: 'InvalidResult',
        message: `The function's runtime answered a result that is not JSON: ${(err as Error).message}.`,
      },
    };
  }
  return shape(value);
}

/** A worker whose connection broke gets this long to finish dying, so its cause (crash, OOM) is known. */
const crashGraceMs = 1000;

/** One try at running the event: on a retired version, or how the call went. */
type Attempt =
  | { kind: 'retired'; queueMs: number }
  | {
      kind: 'done';
      /** How the call to the worker ended; `not-called` when no worker could be had. */
      call: CallResult['kind'] | 'not-called';
      worker?: WorkerInfo;
      cold: boolean;
      queueMs: number;
      status: InvocationStatus;
      reply?: RuntimeReply;
      /** The handler's result, as the trigger shaped it. */
      result?: unknown;
      /** Or, for a trigger that takes it as it is, its JSON bytes as the worker wrote them. */
      resultJson?: Buffer;
      error?: InvokeError;
      /** Gives the worker back (or destroys a one-shot one); done once the caller has its answer. */
      release?: () => Promise<unknown>;
    };

/** Room in a worker's answer for the captured output (the runtimes keep at most 256 KiB) and the reply's other fields. */
const replyEnvelopeBytes = 300 * 1024;

/** Why a cold start failed, as the invocation reports it. */
function startFailure(err: Error): { status: InvocationStatus; error: InvokeError } {
  if (err instanceof WorkerInitError) return { status: 'error', error: { type: err.failure.type, message: err.failure.message } };
  if (isNuboError(err, 'NUBO_ERR_MANAGER_NO_CAPACITY')) {
    return { status: 'rejected', error: { type: 'NoCapacity', message: err.message, code: err.code } };
  }
  const platformDown = err instanceof NuboError && err.status === 503;
  return {
    status: 'crash',
    error: { type: 'WorkerStartFailed', message: err.message, ...(platformDown ? { code: err.code } : {}) },
  };
}

/**
 * The seed's invocation flow, as policy: get a worker (WorkerSupply), call it directly, give it
 * back, and write exactly one log record. A call that never reached its worker is tried once more
 * on another; one that reached it is never repeated (a synchronous call runs at most once).
 */
export class Invoker {
  private readonly connections = new WorkerConnections();
  /** Work after answers still running (give-backs, records): close() waits for it. */
  private readonly afterAnswers = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: {
      supply: WorkerSupply;
      invocationLog: InvocationLog;
      metrics: InvocationMetrics;
      maxLogBytes: number;
      /** Largest result a function may answer (JSON-encoded); the worker's answer is read up to this plus the envelope. */
      maxResponseBytes: number;
      /** A lease outlives the function's timeout by this much, so a live caller never loses its worker. */
      leaseMarginMs: number;
    },
  ) {}

  async invoke(input: InvokeInput): Promise<InvokeOutcome> {
    const { requestId } = input;
    const startedAt = Date.now();
    const started = performance.now();
    const deadline = started + input.version.limits.timeoutMs;
    const arn = functionArn(input.fn);
    const request: InvokeRequest = {
      event: input.event,
      context: {
        requestId,
        deadlineMs: startedAt + input.version.limits.timeoutMs,
        invokedFunctionArn: input.pinned ? `${arn}:${input.version.version}` : arn,
        ...(input.clientContext ? { clientContext: input.clientContext } : {}),
      },
    };
    const payload = serialise(request);

    let attempt = await this.attempt(input, payload, deadline);
    if (attempt.kind === 'retired') {
      // A deploy or removal happened since the lookup: run what is current now.
      input = { ...input, ...(await input.reload()) };
      attempt = await this.attempt(input, payload, deadline);
    }
    if (attempt.kind === 'done' && attempt.call === 'unreachable') {
      const second = await this.attempt(input, payload, deadline);
      attempt =
        second.kind === 'done' && second.call === 'unreachable'
          ? { ...second, error: { ...second.error!, type: 'WorkerStartFailed' } }
          : second;
    }
    const done: Extract<Attempt, { kind: 'done' }> =
      attempt.kind === 'done'
        ? attempt
        : {
            kind: 'done',
            call: 'not-called',
            cold: false,
            queueMs: attempt.queueMs,
            status: 'crash',
            error: { type: 'VersionRetired', message: 'The function changed during the call: retry.' },
          };
    const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
    this.afterAnswer(input.logger, () => {
      const released = done.release?.();
      const record = invocationRecord(input, { requestId, startedAt, durationMs, ...done }, this.deps.maxLogBytes);
      this.deps.invocationLog.append(record);
      this.deps.metrics.observe(record);
      input.logger.info(
        {
          requestId,
          ...(input.correlationId ? { correlationId: input.correlationId } : {}),
          function: input.fn.name,
          version: input.version.version,
          worker: done.worker?.id,
          cold: done.cold,
          status: done.status,
          durationMs,
        },
        'invocation',
      );
      return released;
    });
    return {
      requestId,
      correlationId: input.correlationId ?? null,
      status: done.status,
      cold: done.cold,
      durationMs,
      version: input.version.version,
      output: done.reply?.logs ?? '',
      ...(done.status === 'ok' ? (done.resultJson ? { resultJson: done.resultJson } : { result: done.result ?? null }) : {}),
      ...(done.error ? { error: done.error } : {}),
    };
  }

  private async attempt(input: InvokeInput, payload: string, deadline: number): Promise<Attempt> {
    const { supply } = this.deps;
    const limits = input.version.limits;
    const taken = await supply.take(input, { leaseMs: limits.timeoutMs + this.deps.leaseMarginMs, deadline });
    switch (taken.kind) {
      case 'retired':
        return { kind: 'retired', queueMs: taken.queueMs };
      case 'full':
        return {
          kind: 'done',
          call: 'not-called',
          cold: false,
          queueMs: taken.queueMs,
          status: 'rejected',
          error: {
            type: 'AtCapacity',
            message: `All ${limits.maxConcurrency} workers of this function stayed busy for ${Math.round(taken.queueMs)} ms: retry later or raise maxConcurrency.`,
          },
        };
      case 'start-failed':
        return { kind: 'done', call: 'not-called', cold: true, queueMs: taken.queueMs, ...startFailure(taken.error) };
    }
    const { worker, cold, queueMs } = taken;
    const result = await callWorker(this.connections, worker, payload, {
      timeoutMs: Math.max(1, deadline - performance.now()),
      maxReplyBytes: this.deps.maxResponseBytes + replyEnvelopeBytes,
    });
    const common = { kind: 'done', call: result.kind, worker, cold, queueMs } as const;
    switch (result.kind) {
      case 'reply': {
        const release = () => supply.giveBack(worker);
        const { reply, resultJson } = result;
        const kept = { ...common, release };
        // A custom runtime whose bootstrap ended cannot serve again: the worker goes.
        if (reply.workerEnds)
          return {
            ...common,
            release: () => supply.destroy(worker),
            reply,
            status: 'crash',
            ...(reply.error ? { error: reply.error } : {}),
          };
        if (!reply.ok) return { ...kept, reply, status: 'error', ...(reply.error ? { error: reply.error } : {}) };
        // Read whole, a result's JSON is held to the limit exactly (a cut-off read only roughly, below).
        if (resultJson && resultJson.length > this.deps.maxResponseBytes)
          return { ...kept, reply, status: 'error', error: this.tooLarge() };
        if (!input.shapeResult)
          return { ...kept, reply, status: 'ok', ...(resultJson ? { resultJson } : { result: reply.result }) };
        const shaped = shapeResult(input.shapeResult, reply.result, resultJson);
        return shaped.ok
          ? { ...kept, reply, status: 'ok', result: shaped.value }
          : { ...kept, reply, status: 'error', error: shaped.error };
      }
      case 'too-large':
        await supply.destroy(worker);
        return { ...common, status: 'error', error: this.tooLarge() };
      case 'timeout':
        await supply.destroy(worker);
        return {
          ...common,
          status: 'timeout',
          // Lambda's type and words, so clients that look for them find them.
          error: {
            type: 'Sandbox.Timedout',
            message: `Task timed out after ${(limits.timeoutMs / 1000).toFixed(2)} seconds: the function did not finish within its timeout of ${limits.timeoutMs} ms.`,
          },
        };
      case 'unreachable':
        await supply.destroy(worker);
        return {
          ...common,
          status: 'crash',
          error: { type: 'WorkerUnreachable', message: `The worker could not be reached: ${result.message}` },
        };
      case 'broken': {
        const exit = await supply.destroy(worker, crashGraceMs);
        const oom = exit?.oom === true;
        const detail = exit?.exitedByItself ? ` (exit code ${exit.exitCode ?? '-'}, signal ${exit.signal ?? '-'})` : '';
        return {
          ...common,
          status: oom ? 'oom' : 'crash',
          error: oom
            ? { type: 'OutOfMemory', message: `The function ran out of its ${limits.memoryMb} MB of memory.` }
            : { type: 'WorkerCrashed', message: `The worker ended during the call${detail}: ${result.message}` },
        };
      }
    }
  }

  private tooLarge(): InvokeError {
    return {
      type: 'ResponseTooLarge',
      message: `The function's answer is larger than NUBO_MAX_RESPONSE_BYTES (${this.deps.maxResponseBytes} bytes): return less, or store the data elsewhere and return a reference.`,
      code: 'NUBO_ERR_INVOKE_RESPONSE_TOO_LARGE',
    };
  }

  /**
   * The seed's order: answer, then RPUSH. Run in the check phase right after the answer was
   * written, the give-back, the record and the metrics stay off the caller's wait, and the give-back
   * still goes out on the pool's connection before this gateway reads any later request, so a
   * client's next call still finds the worker.
   */
  private afterAnswer(logger: InvokeInput['logger'], work: () => Promise<unknown> | undefined): void {
    const turnEnd = new Promise<void>((resolve) => setImmediate(resolve));
    // The caller has its answer: a failure here (e.g. the log store's disk is full) is logged, never thrown.
    const done = turnEnd.then(work).catch((err: Error) => logger.error({ err }, 'could not record the invocation'));
    this.afterAnswers.add(done);
    void done.finally(() => this.afterAnswers.delete(done));
  }

  async close(): Promise<void> {
    await Promise.all(this.afterAnswers);
    this.connections.close();
  }
}

import {
  derivedRequestId,
  isNuboError,
  maxDestinationChain,
  type AttemptSummary,
  type Catalog,
  type Decision,
  type EventRun,
  type FunctionRecord,
  type FunctionVersion,
  type InvocationLog,
  type Logger,
  type QueuedEvent,
} from '@nubo/core';
import type { FastifyBaseLogger } from 'fastify';
import type { FunctionResolver } from '../function-resolver.js';
import type { Invoker } from '../invoke/invoker.js';
import { functionArn } from '../lambda-api/lambda-shapes.js';
import type { EventIntake } from './event-intake.js';

type Finish = Extract<Decision, { kind: 'finish' }>;
type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/** Attempts that count toward maxRetries: a call refused for want of a worker (`rejected`) does not. */
function triesSince(attempts: AttemptSummary[], acceptedAt: number): number {
  return attempts.filter((a) => a.startedAt >= acceptedAt && a.status !== 'rejected').length;
}

/**
 * Runs queued events on the same invoker, pool and leases as
 * synchronous calls, and decides what follows each attempt: done, a retry after backoff, or the
 * dead-letter list; then invokes the function's destination, if it has one.
 */
export class EventRunner {
  constructor(
    private readonly deps: {
      catalog: Catalog;
      /** Function lookups from the cache synchronous calls use (a deploy or removal forgets them). */
      resolver: FunctionResolver;
      invoker: Invoker;
      intake: EventIntake;
      invocationLog: InvocationLog;
      logger: Logger;
      /** Counts destination chains stopped at their limit. */
      loopsStopped: { inc(): void };
    },
  ) {}

  readonly process = async (run: EventRun): Promise<Decision> => {
    const { event } = run;
    const target = await this.target(event);
    const attempts = this.settleLost(event, target?.version);
    if (!target) {
      return {
        kind: 'finish',
        status: 'failed',
        attempts,
        error: { type: 'FunctionNotFound', message: `The function ${event.functionName} was removed before the event ran.` },
      };
    }
    const settings = target.version.async;
    const now = Date.now();
    if (now - event.acceptedAt > settings.maxEventAgeMs) {
      return this.finish(target, event, {
        kind: 'finish',
        status: 'expired',
        attempts,
        error: {
          type: 'EventAgeExceeded',
          message: `The event waited ${now - event.acceptedAt} ms, longer than the function's maxEventAgeMs (${settings.maxEventAgeMs}); it was not run.`,
        },
      });
    }
    if (triesSince(attempts, event.acceptedAt) > settings.maxRetries) {
      return this.finish(target, event, {
        kind: 'finish',
        status: 'failed',
        attempts,
        error: { type: 'AttemptsLost', message: 'Every attempt was lost with its gateway.' },
      });
    }
    const attempt = attempts.length + 1;
    const running: AttemptSummary = {
      attempt,
      status: 'running',
      startedAt: now,
      durationMs: null,
      errorType: null,
      errorMessage: null,
    };
    await run.markRunning([...attempts, running]);
    const lastDue = attempts.length === 0 ? event.acceptedAt : now;
    const outcome = await this.deps.invoker.invoke({
      ...target,
      requestId: event.requestId,
      correlationId: event.correlationId,
      event: event.event,
      trigger: event.trigger,
      attempt,
      queuedMs: Math.max(0, now - lastDue),
      logger: this.deps.logger.child({ reqId: event.requestId, attempt }) as unknown as FastifyBaseLogger,
      reload: () => this.target(event, true).then((fresh) => fresh ?? target),
      // The stored result is a value, so the invoker parses the worker's JSON (and refuses any that is not).
      shapeResult: (value) => ({ ok: true, value }),
    });
    const done: AttemptSummary[] = [
      ...attempts,
      {
        ...running,
        status: outcome.status,
        durationMs: outcome.durationMs,
        errorType: outcome.error?.type ?? null,
        errorMessage: outcome.error?.message ?? null,
      },
    ];
    if (outcome.status === 'ok')
      return this.finish(target, event, { kind: 'finish', status: 'ok', attempts: done, result: outcome.result ?? null });
    const tries = triesSince(done, event.acceptedAt);
    if (outcome.status === 'rejected' || tries <= settings.maxRetries) {
      return { kind: 'retry', delayMs: settings.retryBackoffMs * 2 ** Math.max(0, tries - 1), attempts: done };
    }
    return this.finish(target, event, {
      kind: 'finish',
      status: 'failed',
      attempts: done,
      error: {
        type: outcome.error?.type ?? 'Error',
        message: outcome.error?.message ?? `The last attempt ended ${outcome.status}.`,
      },
    });
  };

  /**
   * An attempt still `running` when the event is taken again was cut off with its gateway (at
   * least once): it gets a record of its own, status crash, and counts as tried.
   */
  private settleLost(event: QueuedEvent, version: FunctionVersion | undefined): AttemptSummary[] {
    return event.attempts.map((a) => {
      if (a.status !== 'running') return a;
      const lost: AttemptSummary = {
        ...a,
        status: 'crash',
        durationMs: Date.now() - a.startedAt,
        errorType: 'AttemptLost',
        errorMessage: 'The gateway running this attempt stopped before it finished; the event ran again.',
      };
      this.deps.invocationLog.append({
        requestId: event.requestId,
        correlationId: event.correlationId,
        attempt: a.attempt,
        ownerId: event.ownerId,
        functionId: event.functionId,
        functionName: event.functionName,
        version: version?.version ?? 0,
        trigger: event.trigger,
        startedAt: a.startedAt,
        durationMs: lost.durationMs!,
        initMs: null,
        cold: false,
        stemCell: false,
        queueMs: 0,
        memoryUsedMb: null,
        memoryLimitMb: version?.limits.memoryMb ?? 0,
        status: 'crash',
        errorType: lost.errorType,
        errorMessage: lost.errorMessage,
        logs: '',
        logsTruncated: false,
        workerId: null,
      });
      return lost;
    });
  }

  /** The event's function as it is now (its active version); null when it was removed or replaced by another of that name. */
  private async target(event: QueuedEvent, fresh = false): Promise<{ fn: FunctionRecord; version: FunctionVersion } | null> {
    const fn = await this.lookUp(event.ownerId, event.functionName, fresh);
    if (!fn || fn.id !== event.functionId) return null;
    const version = await this.deps.catalog.getVersion(fn.id, fn.activeVersion);
    return version ? { fn, version } : null;
  }

  private async lookUp(ownerId: string, name: string, fresh = false): Promise<FunctionRecord | null> {
    try {
      return await this.deps.resolver.own(ownerId, name, fresh);
    } catch (err) {
      if (isNuboError(err, 'NUBO_ERR_FUNCTION_NOT_FOUND') || isNuboError(err, 'NUBO_ERR_FUNCTION_INVALID_NAME')) return null;
      throw err;
    }
  }

  /** A finished event goes on to its destination (onSuccess or onFailure), if the function has one. */
  private async finish(
    target: { fn: FunctionRecord; version: FunctionVersion },
    event: QueuedEvent,
    decision: Finish,
  ): Promise<Finish> {
    const condition: Condition =
      decision.status === 'ok' ? 'Success' : decision.status === 'expired' ? 'EventAgeExceeded' : 'RetriesExhausted';
    const destination = condition === 'Success' ? target.version.async.onSuccess : target.version.async.onFailure;
    if (!destination) return decision;
    // A function that is (through destinations) its own destination would run for ever: the chain stops
    // here, and this event goes to the dead letters for its owner to see.
    if (event.chainDepth + 1 >= maxDestinationChain) {
      this.deps.loopsStopped.inc();
      this.deps.logger.warn(
        { function: event.functionName, destination, requestId: event.requestId, chain: event.chainDepth + 1 },
        'stopped a chain of destinations at its limit',
      );
      return {
        kind: 'finish',
        status: 'failed',
        attempts: decision.attempts,
        error: {
          type: 'RecursiveInvocationLoop',
          message: `This event is the ${event.chainDepth + 1}th of one chain of destinations (${event.functionName} → ${destination} → …): the record was not sent on, and the chain stops here (at most ${maxDestinationChain}). A function that is, through its destinations, its own destination would run for ever.`,
        },
      };
    }
    const to = await this.lookUp(event.ownerId, destination);
    const toVersion = to ? await this.deps.catalog.getVersion(to.id, to.activeVersion) : null;
    if (!to || !toVersion) {
      this.deps.logger.warn(
        { function: event.functionName, destination },
        'the destination function does not exist; the record was not sent',
      );
      return decision;
    }
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: event.requestId,
        functionArn: `${functionArn(target.fn)}:$LATEST`,
        condition,
        approximateInvokeCount: decision.attempts.length,
      },
      requestPayload: event.event,
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        ...(decision.status === 'ok' ? {} : { functionError: 'Unhandled' }),
      },
      responsePayload:
        decision.status === 'ok' ? decision.result : { errorType: decision.error?.type, errorMessage: decision.error?.message },
    };
    // Derived from the event, so a run repeated after a lost gateway does not send the record twice.
    await this.deps.intake
      .enqueue(
        { fn: to, version: toVersion },
        {
          requestId: derivedRequestId(`destination/${event.requestId}/${condition}`),
          event: record,
          trigger: 'async',
          chainDepth: event.chainDepth + 1,
        },
      )
      .catch((err: Error) =>
        this.deps.logger.warn(
          { function: event.functionName, destination, err: err.message },
          'could not queue the destination record',
        ),
      );
    return decision;
  }
}

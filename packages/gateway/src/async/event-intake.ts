import type { EnqueueLimits, Enqueued, EventSource, FunctionRecord, FunctionVersion, InvocationQueue } from '@nubo/core';

/** The limits a version's events are queued and taken under. */
export function queueLimitsOf(version: FunctionVersion): EnqueueLimits {
  return { concurrency: version.async.asyncConcurrency, maxQueued: version.async.maxQueuedEvents };
}

export interface NewEvent {
  requestId: string;
  correlationId?: string | null;
  chainDepth?: number;
  event: unknown;
  trigger: EventSource;
  idempotencyKey?: string;
}

/** Queues an event for the function's active version's limits; answers once it is durably stored. */
export function enqueueEvent(
  queue: InvocationQueue,
  target: { fn: FunctionRecord; version: FunctionVersion },
  input: NewEvent,
): Promise<Enqueued> {
  const { fn, version } = target;
  return queue.enqueue(
    {
      requestId: input.requestId,
      correlationId: input.correlationId ?? null,
      chainDepth: input.chainDepth ?? 0,
      ownerId: fn.ownerId,
      functionId: fn.id,
      functionName: fn.name,
      event: input.event,
      trigger: input.trigger,
      ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
    },
    queueLimitsOf(version),
  );
}

import type { EnqueueLimits, Enqueued, EventSource, FunctionRecord, FunctionVersion, InvocationQueue } from '@nubo/core';
import type { QuotaBook } from '../quotas/quota-book.js';

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

/** Queues events under their function's limits and their owner's quotas; answers once each is durably stored. */
export class EventIntake {
  constructor(
    private readonly queue: InvocationQueue,
    private readonly quotas: QuotaBook,
  ) {}

  async enqueue(target: { fn: FunctionRecord; version: FunctionVersion }, input: NewEvent): Promise<Enqueued> {
    const { fn, version } = target;
    return this.queue.enqueue(
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
      { ...queueLimitsOf(version), owner: await this.quotas.queueLimitsOf(fn.ownerId) },
    );
  }
}

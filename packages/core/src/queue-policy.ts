import { derivedRequestId } from './ids.js';
import type { OwnerQueueLimits, QueueUsage } from './ports/invocation-queue.js';
import { quotaExceeded } from './quotas.js';

/** What every InvocationQueue adapter keeps, and for how long. */
export interface QueueSettings {
  /** Finished events (results) and idempotency keys are kept this long. */
  retentionMs: number;
  /** Dead letters are kept this long unless retried or removed. */
  deadLetterRetentionMs: number;
  /** A result larger than this (JSON) is not kept: the event says `resultDropped`. */
  maxResultBytes: number;
  /** A schedule's tick that could not be queued within this long of its time is skipped. */
  maxScheduleLagMs: number;
}

/** The result as the queue keeps it: dropped (and said so) when larger than `maxBytes`. */
export function keptResult(result: unknown, maxBytes: number): { result?: unknown; resultDropped?: true } {
  if (result === undefined) return {};
  return Buffer.byteLength(JSON.stringify(result) ?? 'null') > maxBytes ? { resultDropped: true } : { result };
}

/** One tick of one schedule has one request id, so every gateway queuing it queues the same event. */
export function scheduleTickId(functionId: string, scheduleName: string, tick: number): string {
  return derivedRequestId(`schedule/${functionId}/${scheduleName}/${tick}`);
}

/** An owner's event of `bytes` fits its quotas on what waits or runs; else the quota's error (its own use only). */
export function assertOwnerRoom(usage: QueueUsage, bytes: number, owner: OwnerQueueLimits): void {
  const retry = 'wait until some of your queued events have run, or ask the admin for more.';
  if (usage.events + 1 > owner.maxEvents) throw quotaExceeded('queuedEvents', owner.maxEvents, usage.events + 1, retry);
  if (usage.bytes + bytes > owner.maxBytes)
    throw quotaExceeded('queuedMb', owner.maxBytes / 1024 / 1024, Math.ceil((usage.bytes + bytes) / 1024 / 1024), retry);
}

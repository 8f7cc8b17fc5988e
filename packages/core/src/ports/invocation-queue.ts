import type { InvocationStatus } from '../types.js';

/** An asynchronous invocation's state: waiting, running, or one of its terminal states. */
export const asyncStatuses = ['queued', 'running', 'ok', 'failed', 'expired'] as const;
export type AsyncStatus = (typeof asyncStatuses)[number];

/** What an event came from: an async call, a schedule's tick, or another function's destination. */
export type EventSource = 'async' | 'schedule';

/** One attempt at running an event, as the event keeps it (the invocation log has the full record). */
export interface AttemptSummary {
  attempt: number;
  /** `running` while it runs; a `running` attempt found by the next one was lost with its gateway. */
  status: InvocationStatus | 'running';
  startedAt: number;
  durationMs: number | null;
  errorType: string | null;
  errorMessage: string | null;
}

export interface EventError {
  type: string;
  message: string;
}

/** An event as the queue keeps it. */
export interface QueuedEvent {
  requestId: string;
  /** The caller's own id for the call (x-nubo-correlation-id), or null; each attempt's record carries it. */
  correlationId: string | null;
  ownerId: string;
  functionId: string;
  functionName: string;
  event: unknown;
  trigger: EventSource;
  /** The schedule whose tick made this event. */
  scheduleName: string | null;
  /** How many destination records led to this event: 0 for one a client or schedule sent. */
  chainDepth: number;
  acceptedAt: number;
  /** Attempts so far, oldest first. */
  attempts: AttemptSummary[];
}

/** A chain of destination records stops here (as Lambda stops a recursive loop after 16 calls). */
export const maxDestinationChain = 16;

/** What `GET /v1/invocations/:id` shows of an asynchronous invocation. */
export interface AsyncInvocation extends QueuedEvent {
  status: AsyncStatus;
  /** When the next attempt may start (a retry waits out its backoff). */
  runAt: number | null;
  finishedAt: number | null;
  /** The handler's result (status ok), unless larger than the queue keeps. */
  result?: unknown;
  resultDropped?: boolean;
  error?: EventError;
  /** True while the event is in its function's dead-letter list. */
  deadLetter: boolean;
}

export interface EnqueueInput
  extends Pick<QueuedEvent, 'requestId' | 'ownerId' | 'functionId' | 'functionName' | 'event' | 'trigger'> {
  correlationId?: string | null;
  /** A destination record's: one more than the event it reports on (default 0). */
  chainDepth?: number;
  scheduleName?: string;
  /** Runs no earlier than this (a schedule's tick); default now. */
  acceptedAt?: number;
  /** The same key for the same function within the retention window returns the first event's id. */
  idempotencyKey?: string;
}

export interface EnqueueLimits {
  /** Past this many waiting events of the function: NUBO_ERR_QUEUE_FULL. */
  maxQueued: number;
  /** The function's asyncConcurrency, which the queue enforces across every consumer. */
  concurrency: number;
  /**
   * The owner's quotas over all its functions (events and bytes waiting or running): past them
   * NUBO_ERR_QUOTA_QUEUED_EVENTS / _BYTES. Unset: not limited (a schedule's tick, a retried dead letter).
   */
  owner?: OwnerQueueLimits;
}

export interface OwnerQueueLimits {
  maxEvents: number;
  maxBytes: number;
}

/** What an owner has waiting or running, over all its functions. */
export interface QueueUsage {
  events: number;
  bytes: number;
}

export interface Enqueued {
  requestId: string;
  /** An earlier event with the same idempotency key (or id): nothing new was queued. */
  duplicate: boolean;
}

/** What the consumer decided after an attempt; the queue stores it atomically with the event. */
export type Decision =
  /** Done: `ok`, `failed` after its last retry (dead-lettered), or `expired` (dead-lettered). */
  | {
      kind: 'finish';
      status: Exclude<AsyncStatus, 'queued' | 'running'>;
      attempts: AttemptSummary[];
      result?: unknown;
      error?: EventError;
    }
  /** Run again after `delayMs`; `attempts` says whether this counted as an attempt. */
  | { kind: 'retry'; delayMs: number; attempts: AttemptSummary[] };

export interface EventRun {
  event: QueuedEvent;
  /** Stores the attempts with the one now starting (status `running`) before the worker is called. */
  markRunning(attempts: AttemptSummary[]): Promise<void>;
}

export type EventProcessor = (run: EventRun) => Promise<Decision>;

export interface Schedule {
  name: string;
  /** Five fields (minute precision) or six (with seconds first). */
  cron: string;
  /** IANA time zone the cron expression is read in. */
  timezone: string;
  /** The event each tick invokes the function with. */
  event: unknown;
}

export interface DeadLetterQuery {
  limit: number;
}

/**
 * Durable asynchronous invocations and schedules. Events are taken by consumers in the
 * gateways, at most `concurrency` of one function at a time across all of them, at least once: a
 * consumer that dies mid-attempt leaves the event to be taken again. Every adapter passes the same
 * conformance suite.
 */
export interface InvocationQueue {
  /** Durably stores the event (committed before it returns), or answers the first one's id for a repeated key. */
  enqueue(input: EnqueueInput, limits: EnqueueLimits): Promise<Enqueued>;
  get(ownerId: string, requestId: string): Promise<AsyncInvocation | null>;
  /** Starts taking events in this process; `close` stops taking and waits for the running ones. */
  consume(processor: EventProcessor): void;
  deadLetters(functionId: string, query: DeadLetterQuery): Promise<AsyncInvocation[]>;
  /** Queues a dead letter again with a fresh age (its attempts are kept); false when there is none with that id. */
  retryDeadLetter(functionId: string, requestId: string): Promise<boolean>;
  removeDeadLetter(functionId: string, requestId: string): Promise<boolean>;
  /**
   * Replaces the function's schedules (every deploy calls it, also with none, so its limits apply at
   * once); each tick enqueues one event, once across every consumer.
   */
  setSchedules(target: ScheduleTarget, schedules: Schedule[]): Promise<void>;
  schedules(functionId: string): Promise<Schedule[]>;
  /** The function is gone: its events, dead letters and schedules go too. */
  removeFunction(functionId: string, ownerId: string): Promise<void>;
  /** What an owner has waiting or running, as its quotas count it. */
  usage(ownerId: string): Promise<QueueUsage>;
  /** How many schedules an owner has, over all its functions. */
  scheduleCount(ownerId: string): Promise<number>;
  close(): Promise<void>;
}

/** The function a schedule's ticks invoke, with the limits its events are taken under. */
export interface ScheduleTarget {
  ownerId: string;
  functionId: string;
  functionName: string;
  limits: EnqueueLimits;
}

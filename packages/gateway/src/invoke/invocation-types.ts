import type { FastifyBaseLogger } from 'fastify';
import type { ErrorCode, FunctionRecord, FunctionVersion, InvocationRecord, InvocationStatus } from '@nubo/core';

/** A function and the version to run. */
export interface InvokeTarget {
  fn: FunctionRecord;
  version: FunctionVersion;
  /**
   * A version other than the active one, named by its number (a Lambda Qualifier): its workers are
   * a pool lane of their own (poolKey's `pinned`), under its own maxConcurrency and idle TTL.
   */
  pinned?: boolean;
}

export interface InvokeInput extends InvokeTarget {
  /** The one id of this call: the HTTP request's, the record's, the handler's awsRequestId, the log line's. */
  requestId: string;
  /** The caller's own id for the call (x-nubo-correlation-id), kept in the record and answered back. */
  correlationId?: string | null;
  event: unknown;
  /** A Lambda client's X-Amz-Client-Context, decoded (JSON text), for the function's context. */
  clientContext?: string;
  trigger: InvocationRecord['trigger'];
  /** An asynchronous event's attempt number (1 for synchronous calls). */
  attempt?: number;
  /** How long the event waited in its queue before this attempt; the record's queueMs adds it. */
  queuedMs?: number;
  logger: FastifyBaseLogger;
  /** Looks the function up afresh (and re-checks access) when its version turned out to be retired. */
  reload: () => Promise<InvokeTarget>;
  /**
   * Checks and converts a successful result for its trigger (the HTTP trigger's response shape);
   * a result it refuses makes the invocation an `error`, recorded as such.
   */
  shapeResult?: (result: unknown) => ShapedResult;
}

export type ShapedResult = { ok: true; value: unknown } | { ok: false; error: InvokeError };

export interface InvokeOutcome {
  requestId: string;
  correlationId: string | null;
  status: InvocationStatus;
  cold: boolean;
  durationMs: number;
  /** The version that ran (after a reload, the one current then). */
  version: number;
  /** What the handler printed, as the worker captured it (its first 256 KiB). */
  output: string;
  /** A successful call's result: as its trigger shaped it, or (`resultJson`) the JSON bytes the worker wrote. */
  result?: unknown;
  resultJson?: Buffer;
  error?: InvokeError;
}

/** What went wrong; `code` overrides the status's usual error code (a platform failure is a 503). */
export interface InvokeError {
  type: string;
  message: string;
  stack?: string;
  code?: ErrorCode;
}

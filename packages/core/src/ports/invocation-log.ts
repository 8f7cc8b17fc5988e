import type { InvocationQuery, InvocationRecord, InvocationStats, MetricsBucket, MetricsQuery } from '../types.js';

/** Where every invocation ends up: exactly one record per accepted request. */
export interface InvocationLog {
  /** Records lost because a buffer was full while the store was down (0 for unbuffered adapters). */
  readonly dropped: number;
  /** Must not slow the request path: adapters may buffer. */
  append(record: InvocationRecord): void;
  /** Writes what is buffered. */
  flush(): Promise<void>;
  /** Newest first. Keyed by owner and name so records outlive the function. */
  list(ownerId: string, functionName: string, query: InvocationQuery): Promise<InvocationRecord[]>;
  get(ownerId: string, requestId: string): Promise<InvocationRecord | null>;
  stats(ownerId: string, functionName: string): Promise<InvocationStats>;
  /** Every bucket of the window, empty ones included, oldest first; aggregated by the store, not here. */
  metrics(ownerId: string, functionName: string, query: MetricsQuery): Promise<MetricsBucket[]>;
  close(): Promise<void>;
}

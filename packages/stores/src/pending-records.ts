import type { InvocationRecord, Logger } from '@nubo/core';

/**
 * Invocation records waiting to be written, oldest first, held to a bound: while the log store
 * cannot take them, the oldest are dropped past `max`, counted and logged.
 */
export class PendingRecords {
  private records: InvocationRecord[] = [];
  /** Records dropped because the buffer was full while the store could not take them. */
  dropped = 0;

  constructor(
    private readonly max: number,
    private readonly logger: Logger,
  ) {}

  get length(): number {
    return this.records.length;
  }

  add(record: InvocationRecord): void {
    this.records.push(record);
    this.bound();
  }

  /** Up to `count` of the oldest records, taken out to be written. */
  take(count = this.records.length): InvocationRecord[] {
    return this.records.splice(0, count);
  }

  /** Records whose write failed go back before any that arrived since. */
  putBack(batch: InvocationRecord[]): void {
    this.records = batch.concat(this.records);
    this.bound();
  }

  private bound(): void {
    const excess = this.records.length - this.max;
    if (excess <= 0) return;
    this.records.splice(0, excess);
    this.dropped += excess;
    this.logger.warn({ dropped: this.dropped, bufferMax: this.max }, 'invocation log buffer full: dropped the oldest records');
  }
}

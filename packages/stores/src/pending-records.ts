import type { InvocationRecord, Logger } from '@nubo/core';

/**
 * Invocation records waiting to be written, oldest first, held to a bound: while the log store
 * cannot take them, the oldest are dropped past `max`, counted and logged. It also knows whether the
 * last write failed, and logs the first failure and the recovery once each.
 */
export class PendingRecords {
  private records: InvocationRecord[] = [];
  /** Records dropped because the buffer was full while the store could not take them. */
  dropped = 0;
  /** The last write failed: the log writes only on its retry timer until one succeeds. */
  failing = false;

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

  /** A batch whose write failed goes back before any record that arrived since. */
  writeFailed(batch: InvocationRecord[], err: Error, hint: string): void {
    this.records = batch.concat(this.records);
    this.bound();
    if (!this.failing)
      this.logger.error({ err: err.message, pending: this.records.length }, `cannot write invocation records; ${hint}`);
    this.failing = true;
  }

  written(): void {
    if (this.failing) this.logger.info('invocation log writes resumed');
    this.failing = false;
  }

  private bound(): void {
    const excess = this.records.length - this.max;
    if (excess <= 0) return;
    this.records.splice(0, excess);
    this.dropped += excess;
    this.logger.warn({ dropped: this.dropped, bufferMax: this.max }, 'invocation log buffer full: dropped the oldest records');
  }
}

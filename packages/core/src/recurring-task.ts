/**
 * Runs a task every `intervalMs`, never two runs at once: a tick that finds a run in progress is
 * skipped, while `kick()` (run now) queues one more run right after it. `stop()` ends the timer and
 * waits for the run in progress. A failed run goes to `onError`; the next tick tries again.
 */
export class RecurringTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopping = false;

  constructor(private readonly options: { intervalMs: number; run: () => Promise<void>; onError: (err: Error) => void }) {}

  start(): void {
    this.stopping = false;
    this.timer = setInterval(() => {
      if (!this.running) this.kick();
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Runs now, or right after the run in progress. */
  kick(): void {
    if (this.stopping) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.options
      .run()
      .catch((err: unknown) => this.options.onError(err as Error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** stop() was called: a long run may end early. */
  get stopped(): boolean {
    return this.stopping;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }
}

/**
 * Bounds how many workers one manager starts at once: a cold-start storm queues here (first come,
 * first served) instead of starting every container at the same time on one machine.
 */
export class StartGate {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  /** The most starts that ever ran at once, for tests and diagnostics. */
  peak = 0;

  constructor(private readonly limit: number) {}

  async enter(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active += 1;
    this.peak = Math.max(this.peak, this.active);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The slot passes straight to the next in line, so `active` never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.active -= 1;
    };
  }
}

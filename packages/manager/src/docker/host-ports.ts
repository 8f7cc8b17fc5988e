import { NuboError } from '@nubo/core';

/** The host ports worker containers are published on (NUBO_WORKER_PORT_RANGE), handed out in turn. */
export class HostPorts {
  private readonly used = new Set<number>();
  private next: number;

  constructor(private readonly range: { from: number; to: number }) {
    this.next = range.from;
  }

  take(): number {
    const { from, to } = this.range;
    for (let i = 0; i <= to - from; i++) {
      const port = this.next;
      this.next = port >= to ? from : port + 1;
      if (!this.used.has(port)) {
        this.used.add(port);
        return port;
      }
    }
    throw new NuboError('NUBO_ERR_WORKER_START_FAILED', `No free host port in ${from}-${to}: widen NUBO_WORKER_PORT_RANGE.`);
  }

  giveBack(port: number): void {
    this.used.delete(port);
  }
}

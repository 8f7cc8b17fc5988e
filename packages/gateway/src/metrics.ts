import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { evictionReasons, type InvocationRecord, type ManagerLoadView } from '@nubo/core';

/** What the warm-floor metrics read: this gateway's prewarmer's shortfalls, the managers' eviction counts. */
export interface WarmFloorSources {
  shortfalls: () => { label: string; missing: number }[];
  managerLoads: () => Promise<ManagerLoadView[]>;
}

/** Invocations observed between two reads of the metrics before they are counted anyway. */
const pendingLimit = 1000;

/** A counter whose total is kept elsewhere and read when the metrics are. */
function countedElsewhere(registry: Registry, name: string, help: string, total: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(total());
    },
  });
}

/** Prometheus metrics of one gateway, on its own registry so several gateways can share a process. */
export class InvocationMetrics {
  readonly registry = new Registry();
  private pending: Pick<InvocationRecord, 'cold' | 'status' | 'durationMs' | 'initMs'>[] = [];
  private fastLaneCalls = 0;
  private readonly invocations = new Counter({
    name: 'nubo_invocations_total',
    help: 'Invocations by final status and start kind.',
    labelNames: ['status', 'start'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'nubo_invocation_duration_seconds',
    help: 'Time from accepting an invocation to its answer.',
    labelNames: ['start'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly coldStart = new Histogram({
    name: 'nubo_cold_start_seconds',
    help: 'Time to start a worker until it is ready.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  /** Chains of destinations stopped at their length limit (a function that is, through them, its own destination). */
  readonly destinationLoopsStopped = new Counter({
    name: 'nubo_destination_loops_stopped_total',
    help: 'Asynchronous events not sent on to their destination because their chain of destinations reached its limit.',
    registers: [this.registry],
  });
  /** Requests whose cold start found no room on any manager, waiting for a busy worker of their function. */
  readonly waitingForRoom = new Gauge({
    name: 'nubo_invocations_waiting_for_room',
    help: 'Invocations waiting for a busy worker of their own function because no manager has room for a new one.',
    registers: [this.registry],
  });
  constructor(liveWorkers: (() => number) | undefined, droppedLogRecords: () => number, warm: WarmFloorSources) {
    new Gauge({
      name: 'nubo_warm_floor_shortfall',
      help: "Idle workers of a function's warm floor (minWarm) that the managers have no room for now.",
      labelNames: ['function'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const { label, missing } of warm.shortfalls()) this.set({ function: label }, missing);
      },
    });
    new Counter({
      name: 'nubo_worker_evictions_total',
      help: 'Idle workers the live managers removed, by reason: room (for another worker) or idle-ttl.',
      labelNames: ['reason', 'manager'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const load of await warm.managerLoads().catch(() => []))
          for (const reason of evictionReasons) this.inc({ reason, manager: load.id }, load.evictions[reason]);
      },
    });
    countedElsewhere(
      this.registry,
      'nubo_invocation_log_dropped_total',
      'Invocation records dropped because the log buffer was full while the log store was down.',
      droppedLogRecords,
    );
    countedElsewhere(
      this.registry,
      'nubo_invocations_fast_lane_total',
      "Synchronous invocations the gateway served on node:http directly, without Fastify's request cycle.",
      () => this.fastLaneCalls,
    );
    if (liveWorkers) {
      new Gauge({
        name: 'nubo_workers',
        help: 'Workers running on the managers this gateway can see.',
        registers: [this.registry],
        collect() {
          this.set(liveWorkers());
        },
      });
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'nubo_gateway_' });
  }

  /** Counted when the metrics are read (or every `pendingLimit` calls), not on each call's path. */
  observe(record: InvocationRecord): void {
    // Only what is counted: a record also holds the call's captured output.
    const { cold, status, durationMs, initMs } = record;
    this.pending.push({ cold, status, durationMs, initMs });
    if (this.pending.length >= pendingLimit) this.countPending();
  }

  countFastLane(): void {
    this.fastLaneCalls++;
  }

  private countPending(): void {
    const records = this.pending;
    this.pending = [];
    for (const record of records) {
      const start = record.cold ? 'cold' : 'warm';
      this.invocations.inc({ status: record.status, start });
      this.duration.observe({ start }, record.durationMs / 1000);
      if (record.initMs !== null) this.coldStart.observe(record.initMs / 1000);
    }
  }

  /** The Prometheus text of every metric. */
  async text(): Promise<string> {
    this.countPending();
    return this.registry.metrics();
  }
}

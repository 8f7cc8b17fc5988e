import type {
  Catalog,
  GatewayRegistry,
  CodeStore,
  InvocationLog,
  InvocationQueue,
  Logger,
  ManagerClient,
  WorkerPool,
} from '@nubo/core';
import type { GatewaySettings } from './settings.js';

/** Everything the gateway needs, each behind its port so any adapter can be plugged in. */
export interface GatewayDeps {
  settings: GatewaySettings;
  logger: Logger;
  catalog: Catalog;
  invocationLog: InvocationLog;
  /** Asynchronous invocations and schedules; the gateway consumes it and closes it when it closes. */
  invocationQueue: InvocationQueue;
  codeStore: CodeStore;
  pool: WorkerPool;
  /** Where this gateway announces itself (the admin's cluster view reads it). */
  gateways: GatewayRegistry;
  /** Where workers come from; also tells which runtimes its sandboxes run. */
  managers: ManagerClient;
  /** Live worker count for the nubo_workers metric, where the gateway can know it. */
  liveWorkers?: () => number;
}

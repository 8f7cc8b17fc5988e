import type { Catalog, CodeStore, InvocationLog, Logger, ManagerClient, RuntimeId, ServerConfig, WorkerPool } from '@nubo/core';

/** Everything the gateway needs, each behind its port so any adapter can be plugged in. */
export interface GatewayDeps {
  config: ServerConfig;
  logger: Logger;
  catalog: Catalog;
  invocationLog: InvocationLog;
  codeStore: CodeStore;
  pool: WorkerPool;
  managers: ManagerClient;
  /** Runtimes the configured sandbox can run. */
  runtimes: readonly RuntimeId[];
  /** Live worker count for the nubo_workers metric, where the gateway can know it. */
  liveWorkers?: () => number;
}

import type { ServerConfig } from '@nubo/core';
import type { ManagerOptions } from '@nubo/manager';

/** The Manager settings both `nubo server` and `nubo manager` take from the configuration. */
export function managerSettings(
  config: ServerConfig,
): Pick<
  ManagerOptions,
  'reapIntervalMs' | 'capacity' | 'maxConcurrentStarts' | 'stemCellsPerKind' | 'stemCellRefillMs' | 'freezeAfterMs'
> {
  return {
    reapIntervalMs: config.NUBO_REAP_INTERVAL_MS,
    capacity: { workers: config.NUBO_MANAGER_CAPACITY, memoryMb: config.NUBO_MANAGER_MEMORY_MB },
    maxConcurrentStarts: config.NUBO_MANAGER_MAX_STARTS,
    stemCellsPerKind: config.NUBO_STEM_CELLS,
    stemCellRefillMs: config.NUBO_STEM_CELL_REFILL_MS,
    freezeAfterMs: config.NUBO_FREEZE_AFTER_MS,
  };
}

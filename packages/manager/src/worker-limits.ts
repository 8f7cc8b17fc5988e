/** Limits every worker gets in both sandboxes besides its function's memory. */
export const workerLimits = {
  /** Processes and threads one worker may have at once (a fork bomb stops here). */
  pids: 64,
  /** Relative CPU weight against other workers (Docker's --cpu-shares, cgroup v1 cpu.shares). */
  cpuShares: 512,
  /** Open files per worker process. */
  openFiles: 1024,
} as const;

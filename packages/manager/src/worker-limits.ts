/** The unprivileged user workers run as in both sandboxes (nobody), inside and outside their namespaces. */
export const sandboxUser = { uid: 65534, gid: 65534 } as const;

/** Limits every worker gets in both sandboxes besides its function's memory. */
export const workerLimits = {
  /** Processes and threads one worker may have at once (a fork bomb stops here). */
  pids: 64,
  /** Relative CPU weight against other workers (Docker's --cpu-shares, cgroup v1 cpu.shares). */
  cpuShares: 512,
  /** Open files per worker process. */
  openFiles: 1024,
} as const;

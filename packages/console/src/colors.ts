import type { InvocationStatus } from '@nubo/core';

/** Chart colours chosen to read on both the light and the dark theme; one per invocation status. */
export const statusColors: Record<InvocationStatus, string> = {
  ok: '#2e9d5b',
  error: '#d6453d',
  timeout: '#d98a1c',
  oom: '#9b59b6',
  crash: '#8e1f1a',
  rejected: '#6c7a89',
};
export const statuses = Object.keys(statusColors) as InvocationStatus[];

export const colors = { p50: '#3b82f6', p95: '#d98a1c', p99: '#d6453d', cold: '#0ea5e9', max: '#9b59b6', limit: '#d6453d' };

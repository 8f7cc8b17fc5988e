import { bucketCount, maxMetricsBuckets, NuboError, type MetricsQuery } from '@nubo/core';

const defaultStepMs = 60_000;
const defaultWindowMs = 3_600_000;

/** The window a metrics request asks for, with defaults (the last hour by minute), or a 400 saying what to change. */
export function metricsWindow(
  query: { from?: number | undefined; to?: number | undefined; step?: number | undefined },
  now: number,
): MetricsQuery {
  const to = query.to ?? now;
  const from = query.from ?? to - defaultWindowMs;
  const stepMs = query.step ?? defaultStepMs;
  if (from >= to)
    throw new NuboError(
      'NUBO_ERR_REQUEST_INVALID',
      `The window is empty: from (${from}) must be before to (${to}), both ms since epoch.`,
    );
  const window = { from, to, stepMs };
  const buckets = bucketCount(window);
  if (buckets > maxMetricsBuckets)
    throw new NuboError(
      'NUBO_ERR_REQUEST_INVALID',
      `That window in steps of ${stepMs} ms is ${buckets} buckets; at most ${maxMetricsBuckets}: use a step of at least ${Math.ceil((to - from) / maxMetricsBuckets)} ms.`,
    );
  return window;
}

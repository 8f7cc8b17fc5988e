import type { MetricsBucket, MetricsQuery } from './types.js';

/** The most buckets one metrics query may ask for (a day in minutes). */
export const maxMetricsBuckets = 1440;

/** How many buckets [from, to) holds in steps of stepMs (the last one may be cut short by `to`). */
export function bucketCount(query: MetricsQuery): number {
  return Math.ceil((query.to - query.from) / query.stepMs);
}

/** The 1-based rank of the nearest-rank percentile p (0..1) of n sorted values. */
export function nearestRank(p: number, n: number): number {
  return Math.max(1, Math.ceil(p * n));
}

export function emptyBucket(start: number): MetricsBucket {
  return {
    start,
    count: 0,
    byStatus: {},
    coldCount: 0,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    initP50Ms: null,
    initMaxMs: null,
    queueP50Ms: null,
    queueMaxMs: null,
    memoryMaxMb: null,
    memoryLimitMb: null,
  };
}

/** Every bucket of the window, empty, to be filled by index ((startedAt − from) / step). */
export function emptyBuckets(query: MetricsQuery): MetricsBucket[] {
  return Array.from({ length: bucketCount(query) }, (_, i) => emptyBucket(query.from + i * query.stepMs));
}

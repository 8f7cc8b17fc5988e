import type { AsyncSettings } from './types.js';

/** Bounds of the per-function async settings (the deploy body's schema reads them). */
export const asyncBounds = {
  maxRetries: { min: 0, max: 5 },
  retryBackoffMs: { min: 100, max: 3_600_000 },
  maxEventAgeMs: { min: 1000, max: 21_600_000 },
  maxQueuedEvents: { min: 1, max: 1_000_000 },
} as const;

/**
 * What a version deployed without async settings gets: two retries a second apart, six hours of
 * event age (Lambda's), and half the workers for asynchronous work so a backlog never takes them all.
 */
export function defaultAsyncSettings(maxConcurrency: number): AsyncSettings {
  return {
    maxRetries: 2,
    retryBackoffMs: 1000,
    maxEventAgeMs: asyncBounds.maxEventAgeMs.max,
    asyncConcurrency: Math.max(1, Math.floor(maxConcurrency / 2)),
    maxQueuedEvents: 10_000,
    onSuccess: null,
    onFailure: null,
  };
}

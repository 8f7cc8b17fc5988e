import type { BundleLimits, FunctionLimits, Quotas } from '@nubo/core';
import type { SignInLimits } from './auth/sign-in-limits.js';

/** What the gateway takes from the configuration, built once in the composition root (nothing else of it). */
export interface GatewaySettings {
  /** Whether anyone may sign up (the first user, the admin, always may). */
  allowSignup: boolean;
  /** Why workers are not isolated from each other, so only the admin may use this Nubo; null when they are. */
  singleUserReason: string | null;
  signInLimits: SignInLimits;
  /** Largest invoke or HTTP trigger body. */
  maxEventBytes: number;
  /** Largest code, zipped and unzipped. */
  bundleLimits: BundleLimits;
  /** Largest result a function may answer. */
  maxResponseBytes: number;
  /** Handler output kept per invocation record. */
  maxLogBytes: number;
  /** Longest wait for a worker at maxConcurrency; unset = until the function's timeout. */
  maxQueueWaitMs: number | undefined;
  /** A worker's lease outlives its function's timeout by this much. */
  leaseMarginMs: number;
  prewarmIntervalMs: number;
  /** How often the gateway announces itself in the gateway registry. */
  heartbeatMs: number;
  /** What API keys are sealed with so AWS SigV4 signatures can be checked; null: Bearer keys only. */
  keySealingSecret: string | null;
  /** NUBO_PUBLIC_URL: the console's and API's public URL, when requests do not say it; null: as they say. */
  publicUrl: string | null;
  /** NUBO_TRIGGER_URL: where clients reach HTTP triggers; null: http://localhost:<trigger port>. */
  triggerUrl: string | null;
  /** Every user's quotas unless the admin sets others (NUBO_QUOTA_*). */
  quotas: Quotas;
  /** Limits of a function deployed without them (minWarm defaults to 0). */
  defaultLimits: Omit<FunctionLimits, 'minWarm'>;
}

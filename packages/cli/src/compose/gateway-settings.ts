import { defaultQuotas, type ServerConfig } from '@nubo/core';
import type { GatewaySettings } from '@nubo/gateway';

/** The gateway's slice of the configuration (`nubo server` and `nubo gateway`). */
export function gatewaySettings(
  config: ServerConfig,
  singleUserReason: string | null,
  keySealingSecret: string | null,
): GatewaySettings {
  return {
    keySealingSecret,
    allowSignup: config.NUBO_ALLOW_SIGNUP,
    singleUserReason,
    signInLimits: { perClient: config.NUBO_AUTH_RATE_PER_CLIENT, perUsername: config.NUBO_AUTH_RATE_PER_USERNAME },
    maxEventBytes: config.NUBO_MAX_EVENT_BYTES,
    bundleLimits: { maxBytes: config.NUBO_MAX_CODE_BYTES, maxUnzippedBytes: config.NUBO_MAX_CODE_UNZIPPED_BYTES },
    maxResponseBytes: config.NUBO_MAX_RESPONSE_BYTES,
    maxLogBytes: config.NUBO_MAX_LOG_BYTES,
    maxQueueWaitMs: config.NUBO_MAX_QUEUE_WAIT_MS,
    leaseMarginMs: config.NUBO_LEASE_MARGIN_MS,
    prewarmIntervalMs: config.NUBO_PREWARM_INTERVAL_MS,
    heartbeatMs: config.NUBO_HEARTBEAT_MS,
    quotas: defaultQuotas(config),
    publicUrl: config.NUBO_PUBLIC_URL ?? null,
    triggerUrl: config.NUBO_TRIGGER_URL ?? null,
    defaultLimits: {
      memoryMb: config.NUBO_DEFAULT_MEMORY_MB,
      timeoutMs: config.NUBO_DEFAULT_TIMEOUT_MS,
      idleTtlMs: config.NUBO_DEFAULT_IDLE_TTL_MS,
      maxConcurrency: config.NUBO_DEFAULT_MAX_CONCURRENCY,
    },
  };
}

import type { ServerConfig } from '@nubo/core';
import type { ListenOptions } from '@nubo/gateway';

/** Where a gateway listens: NUBO_HOST:NUBO_PORT for the API and console, NUBO_TRIGGER_PORT for HTTP triggers. */
export function listenOptions(config: ServerConfig): ListenOptions {
  return {
    port: config.NUBO_PORT,
    host: config.NUBO_HOST,
    triggerPort: config.NUBO_TRIGGER_PORT,
    triggerHost: config.NUBO_TRIGGER_HOST ?? config.NUBO_HOST,
  };
}

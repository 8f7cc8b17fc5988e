import type { Logger } from '@nubo/core';

/**
 * Keeps a server running until SIGINT or SIGTERM, then closes it (finishing in-flight work) and
 * exits; past `shutdownBoundMs` it exits anyway with status 1.
 */
export function runUntilSignal(close: () => Promise<void>, logger: Logger, shutdownBoundMs: number): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight work, then stopping workers');
    setTimeout(() => {
      logger.error(`in-flight work did not finish within ${shutdownBoundMs} ms; exiting`);
      process.exit(1);
    }, shutdownBoundMs).unref();
    close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

import type { Logger } from '@nubo/core';

/** Graceful stop waits this long for in-flight work before exiting anyway. */
const shutdownBoundMs = 30_000;

/** Keeps a server running until SIGINT or SIGTERM, then closes it within a bound and exits. */
export function runUntilSignal(close: () => Promise<void>, logger: Logger): void {
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

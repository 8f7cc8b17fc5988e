/**
 * `nubo server` for the benchmarks whose baseline calls a worker directly: the same embedded
 * composition (startEmbedded), plus one thing no server offers — asked with a line on stdin, it
 * answers one line of JSON on fd 3 with its workers' addresses and secrets (its logs stay on stdout). (A function never
 * sees its worker's secret, and neither does anything outside the server's process.)
 */
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createLogger, loadServerConfig } from '@nubo/core';
import { startEmbedded } from '@nubo/cli';

const config = loadServerConfig();
const nubo = await startEmbedded(config, createLogger({ level: config.NUBO_LOG_LEVEL }));
const answers = createWriteStream('', { fd: 3 });
createInterface({ input: process.stdin }).on('line', () => {
  const workers = nubo.manager.liveWorkers().map(({ id, address, secret }) => ({ id, address, secret }));
  answers.write(`${JSON.stringify(workers)}\n`);
});
process.on('SIGTERM', () => void nubo.close().then(() => process.exit(0)));

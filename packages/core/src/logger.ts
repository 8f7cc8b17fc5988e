import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** `auto`: readable and coloured on a terminal, JSON lines otherwise (files, pipes, log collectors). */
export type LogFormat = 'auto' | 'json' | 'pretty';

export function createLogger(options: { level?: string; name?: string; format?: LogFormat } = {}): Logger {
  const format = options.format ?? 'auto';
  const readable = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  const settings = {
    level: options.level ?? 'info',
    ...(options.name ? { name: options.name } : {}),
    // Connection URLs may carry passwords; never print them.
    redact: { paths: ['*.password', '*.url', 'config.*Url', 'headers.authorization'], censor: '[redacted]' },
  };
  return readable
    ? pino(settings, pretty({ colorize: process.stdout.isTTY === true, sync: true, translateTime: 'SYS:HH:MM:ss.l' }))
    : pino(settings);
}

/** A connection URL fit for a log line: its password replaced. */
export function redactUrl(value: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparsable url]';
  }
}

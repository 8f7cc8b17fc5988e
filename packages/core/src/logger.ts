import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    level: options.level ?? 'info',
    ...(options.name ? { name: options.name } : {}),
    // Connection URLs may carry passwords; never print them.
    redact: { paths: ['*.password', '*.url', 'config.*Url', 'headers.authorization'], censor: '[redacted]' },
  });
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

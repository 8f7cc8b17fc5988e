import { format } from 'node:util';

/**
 * Collects everything the handler prints while one invocation runs (console.* and direct writes
 * to stdout/stderr), bounded in size. One worker serves one request at a time, so patching the
 * process-wide functions is safe.
 */
export class OutputCapture {
  private chunks: string[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly maxBytes: number) {}

  install(): void {
    const write = (text: string) => this.note(text);
    for (const method of ['log', 'info', 'debug', 'trace'] as const) {
      console[method] = (...args: unknown[]) => write(`${format(...args)}\n`);
    }
    for (const method of ['warn', 'error'] as const) {
      console[method] = (...args: unknown[]) => write(`${format(...args)}\n`);
    }
    const patchStream = (stream: NodeJS.WriteStream) => {
      stream.write = ((chunk: unknown, encodingOrCb?: unknown, cb?: unknown) => {
        write(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        const callback = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
        if (typeof callback === 'function') queueMicrotask(callback as () => void);
        return true;
      }) as typeof stream.write;
    };
    patchStream(process.stdout);
    patchStream(process.stderr);
  }

  /** Adds text to the current invocation's output (a custom runtime's bootstrap prints through this). */
  note(text: string): void {
    if (this.size >= this.maxBytes) {
      this.truncated = true;
      return;
    }
    const room = this.maxBytes - this.size;
    const piece = text.length > room ? text.slice(0, room) : text;
    if (piece.length < text.length) this.truncated = true;
    this.chunks.push(piece);
    this.size += piece.length;
  }

  /** Returns what was captured since the last call and starts afresh. */
  take(): { logs: string; truncated: boolean } {
    const result = { logs: this.chunks.join(''), truncated: this.truncated };
    this.chunks = [];
    this.size = 0;
    this.truncated = false;
    return result;
  }
}

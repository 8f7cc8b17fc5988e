import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';

export const nuboBin = fileURLToPath(new URL('../../../packages/cli/dist/bin.js', import.meta.url));

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts a program that the test owns; it is killed when the test file ends. */
export function startChild(command: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(command, args, { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { process: child, output: () => output, exited };
}

/** Runs `nubo <role>` in its own process (its HTTP triggers on any free port unless the test names one). */
export function startNuboProcess(role: 'gateway' | 'manager' | 'server', env: Record<string, string>): Child {
  return startChild(process.execPath, [nuboBin, role], { NUBO_TRIGGER_PORT: '0', ...env });
}

/** Waits, a short step at a time, until `check` holds; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | false | undefined | null>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const result = await check();
      if (result) return result;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting until ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

import { writeFile } from 'node:fs/promises';
import { nodeRuntimeScript, pythonRuntimeScript, workerSecretHeader } from '@nubo/runtime';
import { freePort } from './distributed-stack.js';
import { type Child, eventually, startChild } from './processes.js';
import { tempDir } from './temp-dir.js';

export interface RuntimeUnderTest {
  name: string;
  command: string[];
  file: string;
  handler: string;
}

/** Both runtimes, started as their scripts with no sandbox around them. */
export const runtimesUnderTest: RuntimeUnderTest[] = [
  { name: 'Node.js', command: [process.execPath, nodeRuntimeScript], file: 'index.mjs', handler: 'index.handler' },
  { name: 'Python', command: ['python3', '-u', pythonRuntimeScript], file: 'app.py', handler: 'app.handler' },
];

export interface StartedRuntime {
  port: number;
  worker: Child;
  codeDir: string;
}

/**
 * Starts a runtime on a TCP port of 127.0.0.1 with `code` as its handler's file. Without a secret
 * in `env` (a stem cell's token instead) readiness is waited for with `probeSecret`.
 */
export async function startRuntime(
  runtime: RuntimeUnderTest,
  code: string,
  env: Record<string, string>,
  probeSecret = env.NUBO_WORKER_SECRET,
): Promise<StartedRuntime> {
  const codeDir = await tempDir('nubo-runtime-');
  await writeFile(`${codeDir}/${runtime.file}`, code);
  const port = await freePort('127.0.0.1');
  const [command, ...args] = runtime.command;
  const worker = startChild(command!, args, {
    NUBO_CODE_DIR: codeDir,
    NUBO_HANDLER: runtime.handler,
    NUBO_RUNTIME_PORT: String(port),
    ...env,
  });
  await eventually(`the ${runtime.name} runtime answers`, async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { [workerSecretHeader]: probeSecret ?? '' } });
    // A stem cell is not ready before it is specialised, but it answers.
    return res.status === 200 || res.status === 500;
  });
  return { port, worker, codeDir };
}

import { join } from 'node:path';
import { after } from 'node:test';
import { bundleFromFiles, createLogger, type WorkerSpec } from '@nubo/core';
import { CodeCache, Manager, ProcessSandbox, type ProcessIsolation } from '@nubo/manager';
import { MemoryWorkerPool } from '@nubo/pool';
import { FsCodeStore } from '@nubo/stores';
import { tempDir } from './temp-dir.js';

/**
 * A manager with a process sandbox (isolated, or plain processes) and an in-memory pool, stopped
 * after the test; `specFor` stores a function's code and answers the spec of its version 1.
 */
export async function startLocalManager(isolation: ProcessIsolation | null = null) {
  const dir = await tempDir();
  const logger = createLogger({ level: 'silent' });
  const codeStore = new FsCodeStore(join(dir, 'code'));
  const sandbox = new ProcessSandbox({ workDir: join(dir, 'workers'), logger, isolation });
  const pool = new MemoryWorkerPool();
  const manager = new Manager({
    id: 'm',
    sandbox,
    pool,
    logger,
    reapIntervalMs: 60_000,
    capacity: { workers: 100, memoryMb: 100_000 },
    maxConcurrentStarts: 8,
    codeCache: new CodeCache({ dir: join(dir, 'cache'), store: codeStore, limits: { maxBytes: 1e7, maxUnzippedBytes: 1e8 } }),
  });
  after(() => manager.stop());
  const specFor = async (files: Record<string, string>, overrides: Partial<WorkerSpec> = {}): Promise<WorkerSpec> => ({
    functionId: 'f',
    functionName: 'f',
    version: 1,
    runtime: 'node22',
    network: 'egress',
    handler: 'index.handler',
    codeDigest: await codeStore.put(bundleFromFiles(files, { maxBytes: 1e6, maxUnzippedBytes: 1e6 }).zip),
    env: {},
    memoryMb: 128,
    timeoutMs: 1000,
    idleTtlMs: 600_000,
    minWarm: 0,
    ...overrides,
  });
  return { manager, sandbox, pool, specFor };
}

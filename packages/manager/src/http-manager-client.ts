import { Agent } from 'undici';
import {
  NuboError,
  type ManagerClient,
  type ManagerRecord,
  type ManagerRegistry,
  type WorkerExit,
  type WorkerInfo,
  type WorkerSpec,
} from '@nubo/core';

const startTimeoutMs = 30_000;
const destroyTimeoutMs = 15_000;

/**
 * The gateway's side of the manager API. Cold starts go to the live manager with the most free
 * capacity; a manager that does not answer is skipped for the next one.
 */
export class HttpManagerClient implements ManagerClient {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connect: { timeout: 2000 } });

  constructor(
    private readonly registry: ManagerRegistry,
    private readonly token: string,
  ) {}

  private async call(
    manager: ManagerRecord,
    method: 'POST' | 'DELETE',
    path: string,
    body: unknown,
    timeoutMs: number,
  ): Promise<unknown> {
    const response = await this.agent.request({
      origin: manager.url,
      path,
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const parsed = (await response.body.json()) as { error?: { code: string; message: string; errorType?: string } };
    if (response.statusCode >= 400) {
      const error = parsed.error ?? { code: 'NUBO_ERR_INTERNAL', message: `manager answered ${response.statusCode}` };
      throw new NuboError(error.code as never, error.message, error.errorType ? { errorType: error.errorType } : undefined);
    }
    return parsed;
  }

  /**
   * Tries the live managers that are not draining, most free room first. A full manager (it could
   * not even evict an idle worker) or one that does not answer is skipped for the next one.
   */
  async startWorker(spec: WorkerSpec): Promise<WorkerInfo> {
    // Most free worker slots first, then most free memory; equal managers in random order.
    const room = (m: ManagerRecord) => [m.capacity - m.running, m.memoryMb - m.memoryUsedMb] as const;
    const candidates = (await this.registry.alive())
      .filter((m) => !m.draining)
      .sort((a, b) => room(b)[0] - room(a)[0] || room(b)[1] - room(a)[1] || Math.random() - 0.5);
    const failures: string[] = [];
    let full = 0;
    for (const manager of candidates) {
      try {
        return (await this.call(manager, 'POST', '/v1/workers', { spec }, startTimeoutMs)) as WorkerInfo;
      } catch (err) {
        // The function's own load error is an answer, not a manager failure.
        if (err instanceof NuboError && err.status < 500) throw err;
        if (err instanceof NuboError && err.code === 'NUBO_ERR_DEPLOY_INIT_FAILED') throw err;
        if (err instanceof NuboError && err.code === 'NUBO_ERR_NO_CAPACITY') full += 1;
        failures.push(`${manager.id}: ${(err as Error).message}`);
      }
    }
    if (candidates.length > 0 && full === candidates.length) {
      throw new NuboError(
        'NUBO_ERR_NO_CAPACITY',
        `No manager has room for another ${spec.memoryMb} MB worker, and none has an idle worker to evict (${failures.join('; ')}).`,
      );
    }
    throw new NuboError(
      'NUBO_ERR_MANAGER_UNAVAILABLE',
      candidates.length === 0
        ? 'No manager is alive and accepting workers: start a manager (nubo manager).'
        : `No manager could start a worker (${failures.join('; ')}).`,
    );
  }

  async destroyWorker(worker: WorkerInfo, options: { graceMs?: number } = {}): Promise<WorkerExit | null> {
    const manager = (await this.registry.all()).find((m) => m.id === worker.managerId);
    // A manager that is gone took its workers with it.
    if (!manager) return null;
    const query = options.graceMs ? `?graceMs=${options.graceMs}` : '';
    try {
      const { exit } = (await this.call(
        manager,
        'DELETE',
        `/v1/workers/${encodeURIComponent(worker.id)}${query}`,
        undefined,
        destroyTimeoutMs,
      )) as { exit: WorkerExit | null };
      return exit;
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

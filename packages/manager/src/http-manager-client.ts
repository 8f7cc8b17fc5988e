import { Agent } from 'undici';
import { z } from 'zod';
import {
  NuboError,
  WorkerInitError,
  isErrorCode,
  stemKeyOf,
  stemKindId,
  type ManagerClient,
  type ManagerLoadView,
  type StartOptions,
  type ManagerRecord,
  type ManagerRegistry,
  type RuntimeId,
  type WorkerExit,
  type WorkerInfo,
  type WorkerSpec,
} from '@nubo/core';
import {
  thawPath,
  codePath,
  destroyReplySchema,
  managerErrorSchema,
  managerRoutes,
  workerInfoSchema,
  workerPath,
} from './api/manager-api.js';
import { placementOrder } from './placement.js';

const startTimeoutMs = 30_000;
const destroyTimeoutMs = 15_000;

/** An error answer off the wire, as the NuboError the manager threw (an unknown code is an internal error). */
function errorFromWire(status: number, body: unknown): NuboError {
  const parsed = managerErrorSchema.safeParse(body);
  if (!parsed.success)
    return new NuboError('NUBO_ERR_SERVER_INTERNAL', `The manager answered HTTP ${status} without an error body.`);
  const { code, message, errorType } = parsed.data.error;
  if (code === 'NUBO_ERR_WORKER_INIT_FAILED') return new WorkerInitError({ type: errorType ?? 'InitError', message });
  return new NuboError(isErrorCode(code) ? code : 'NUBO_ERR_SERVER_INTERNAL', message);
}

/**
 * The gateway's side of the manager API. Cold starts go to the live managers in placement order; a
 * manager that does not answer is skipped for the next one.
 */
export class HttpManagerClient implements ManagerClient {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connect: { timeout: 2000 } });
  private turn = 0;

  constructor(
    private readonly registry: ManagerRegistry,
    private readonly token: string,
  ) {}

  private async call<S extends z.ZodType>(
    manager: ManagerRecord,
    request: { method: 'POST' | 'DELETE'; path: string; body?: unknown; timeoutMs: number },
    reply: S,
  ): Promise<z.infer<S>> {
    const response = await this.agent.request({
      origin: manager.url,
      path: request.path,
      method: request.method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      headersTimeout: request.timeoutMs,
      bodyTimeout: request.timeoutMs,
    });
    const body: unknown = await response.body.json().catch(() => null);
    if (response.statusCode >= 400) throw errorFromWire(response.statusCode, body);
    return reply.parse(body);
  }

  /**
   * Tries the live managers in placement order. A full manager (it could not even evict an idle
   * worker) or one that does not answer is skipped for the next one.
   */
  async startWorker(spec: WorkerSpec, options: StartOptions = { evict: true }): Promise<WorkerInfo> {
    const candidates = placementOrder(await this.registry.alive(), this.turn++, stemKindId(stemKeyOf(spec)));
    const failures: string[] = [];
    let full = 0;
    for (const manager of candidates) {
      try {
        return await this.call(
          manager,
          { method: 'POST', path: managerRoutes.startWorker, body: { spec, evict: options.evict }, timeoutMs: startTimeoutMs },
          workerInfoSchema,
        );
      } catch (err) {
        // The function's own load error is an answer, not a manager failure.
        if (err instanceof NuboError && err.status < 500) throw err;
        if (err instanceof NuboError && err.code === 'NUBO_ERR_MANAGER_NO_CAPACITY') full += 1;
        failures.push(`${manager.id}: ${(err as Error).message}`);
      }
    }
    if (candidates.length > 0 && full === candidates.length) {
      throw new NuboError(
        'NUBO_ERR_MANAGER_NO_CAPACITY',
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

  async thawWorker(worker: WorkerInfo): Promise<void> {
    const manager = (await this.registry.all()).find((m) => m.id === worker.managerId);
    if (!manager)
      throw new NuboError('NUBO_ERR_MANAGER_UNAVAILABLE', `Manager ${worker.managerId} is gone, and its workers with it.`);
    await this.call(manager, { method: 'POST', path: thawPath(worker.id), timeoutMs: destroyTimeoutMs }, z.unknown());
  }

  async destroyWorker(worker: WorkerInfo, options: { graceMs?: number } = {}): Promise<WorkerExit | null> {
    const manager = (await this.registry.all()).find((m) => m.id === worker.managerId);
    // A manager that is gone took its workers with it.
    if (!manager) return null;
    const query = options.graceMs ? `?graceMs=${options.graceMs}` : '';
    try {
      const { exit } = await this.call(
        manager,
        { method: 'DELETE', path: `${workerPath(worker.id)}${query}`, timeoutMs: destroyTimeoutMs },
        destroyReplySchema,
      );
      return exit;
    } catch {
      return null;
    }
  }

  async loads(): Promise<ManagerLoadView[]> {
    return (await this.registry.alive()).map(({ id, capacity, used, draining, evictions }) => ({
      id,
      capacity,
      used,
      draining,
      evictions,
    }));
  }

  /** Every live manager, at once; one that does not answer keeps its copy until it is idle long enough. */
  async dropCode(digest: string): Promise<void> {
    await Promise.allSettled(
      (await this.registry.alive()).map((manager) =>
        this.call(manager, { method: 'DELETE', path: codePath(digest), timeoutMs: destroyTimeoutMs }, z.unknown()),
      ),
    );
  }

  /** What the live managers' sandboxes run, together. */
  async runtimes(): Promise<readonly RuntimeId[]> {
    return [...new Set((await this.registry.alive()).flatMap((m) => m.runtimes ?? []))];
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

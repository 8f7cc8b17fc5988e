import type { z } from 'zod';
import {
  NuboError,
  assertEnv,
  assertFunctionName,
  resolveRuntime,
  bundleFromFiles,
  bundleFromZip,
  bundleDigest,
  decodeBase64,
  assertEntryPoint,
  runtimeOf,
  WorkerInitError,
  parseHandler,
  poolKey,
  type Bundle,
  type BundleLimits,
  type ErrorCode,
  type FunctionRecord,
  type FunctionVersion,
  type User,
} from '@nubo/core';
import type { GatewayDeps } from './deps.js';
import { assertFloorFits, clusterRoom, floorOf, reservedFloors } from './warm-floors.js';
import { specOf } from './invoke/worker-spec.js';
import { asyncSettingsOf, checkedSchedules } from './async/async-deploy-settings.js';
import { assertDeployQuotas, versionsBeyondQuota } from './quotas/deploy-quotas.js';
import type { QuotaBook } from './quotas/quota-book.js';
import { assertScheduleQuotas } from './quotas/schedule-quotas.js';
import { queueLimitsOf } from './async/event-intake.js';
import type { deployRequestSchema } from './schemas.js';

export type DeployRequest = z.infer<typeof deployRequestSchema>;

const initErrorCodes: Record<string, ErrorCode> = {
  HandlerFileMissing: 'NUBO_ERR_DEPLOY_HANDLER_FILE_MISSING',
  HandlerExportMissing: 'NUBO_ERR_DEPLOY_HANDLER_EXPORT_MISSING',
};

/**
 * Deploys a new immutable version: checks the code, stores it, starts one worker to prove the
 * handler loads, then makes the version active and retires the workers of the old one.
 */
export class Deployer {
  private readonly limits: BundleLimits;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly quotas: QuotaBook,
    /** Told after each deploy, so the new version's warm workers start at once. */
    private readonly deployed: () => void = () => undefined,
  ) {
    this.limits = deps.settings.bundleLimits;
  }

  async deploy(
    owner: User,
    name: string,
    request: DeployRequest,
  ): Promise<{ fn: FunctionRecord; version: FunctionVersion; created: boolean; removedVersions: number[] }> {
    const { catalog, codeStore, managers, settings } = this.deps;
    assertFunctionName(name);
    const runtime = resolveRuntime(request.runtime);
    // With no manager alive there is nothing to compare against: the probe start answers 503 then.
    const runtimes = await managers.runtimes();
    if (runtimes.length > 0 && !runtimes.includes(runtime)) {
      throw new NuboError(
        'NUBO_ERR_DEPLOY_UNKNOWN_RUNTIME',
        `The runtime "${runtime}" is not available on this Nubo (available: ${runtimes.join(', ')}).`,
      );
    }
    if (runtimeOf(runtime).protocol === 'handler') parseHandler(request.handler);
    assertEnv(request.env);
    const bundle = await this.bundle(request.code);
    assertEntryPoint(runtime, request.handler, bundle.files);

    const previous = await catalog.getFunction(owner.id, name);
    const maxConcurrency = request.maxConcurrency ?? settings.defaultLimits.maxConcurrency;
    const asyncSettings = await asyncSettingsOf(request, { ownerId: owner.id, name, maxConcurrency, catalog });
    const schedules = request.schedules ? checkedSchedules(request.schedules) : null;
    const memoryMb = request.memoryMb ?? settings.defaultLimits.memoryMb;
    const minWarm = request.minWarm ?? 0;
    await assertDeployQuotas(this.quotas, catalog, {
      ownerId: owner.id,
      previous,
      codeDigest: bundleDigest(bundle.zip),
      unpackedBytes: bundle.unzippedBytes,
      minWarm,
      memoryMb,
    });
    if (schedules)
      await assertScheduleQuotas(
        this.quotas,
        this.deps.invocationQueue,
        { ownerId: owner.id, functionId: previous?.id ?? null },
        schedules,
      );
    if (minWarm > 0) {
      const [targets, loads] = await Promise.all([catalog.listWarmTargets(), managers.loads()]);
      // Only the admin is told the cluster's numbers: they say what other tenants reserve.
      assertFloorFits(
        floorOf({ minWarm, memoryMb }),
        reservedFloors(targets, previous?.id ?? null),
        clusterRoom(loads),
        owner.isAdmin,
      );
    }
    const codeDigest = await codeStore.put(bundle.zip);
    const { fn, version } = await catalog.addVersion(owner.id, name, {
      runtime,
      handler: request.handler,
      codeDigest,
      codeSize: bundle.zip.length,
      unpackedSize: bundle.unzippedBytes,
      env: request.env,
      network: request.network,
      async: asyncSettings,
      public: request.public,
      limits: {
        memoryMb,
        timeoutMs: request.timeoutMs ?? settings.defaultLimits.timeoutMs,
        maxConcurrency,
        minWarm,
        idleTtlMs: request.idleTtlMs ?? settings.defaultLimits.idleTtlMs,
      },
    });

    try {
      const probe = await managers.startWorker(specOf({ fn, version }));
      await managers.destroyWorker(probe);
    } catch (err) {
      await catalog.discardVersion(fn.id, version.version);
      await this.forgetCodeUnlessUsed(codeDigest);
      if (err instanceof WorkerInitError) {
        const code = initErrorCodes[err.failure.type] ?? 'NUBO_ERR_DEPLOY_INIT_FAILED';
        throw new NuboError(code, `The handler failed to load, so version ${version.version} was not deployed: ${err.message}`);
      }
      throw err;
    }

    const active = await catalog.activateVersion(fn.id, version.version, request.public);
    if (previous) await this.retire(poolKey(fn.id, previous.activeVersion));
    // Every deploy: the new version's async limits apply to queued events at once; schedules left out stay.
    const { invocationQueue } = this.deps;
    await invocationQueue.setSchedules(
      { ownerId: owner.id, functionId: fn.id, functionName: fn.name, limits: queueLimitsOf(version) },
      schedules ?? (await invocationQueue.schedules(fn.id)),
    );
    const removedVersions = await versionsBeyondQuota(this.quotas, catalog, active);
    for (const old of removedVersions) await this.removeVersion(active, old);
    this.deployed();
    return { fn: active, version, created: previous === null, removedVersions };
  }

  /** Removes a version that is not the active one, its workers and the code no other version uses; false if there is none such. */
  async removeVersion(fn: FunctionRecord, version: number): Promise<boolean> {
    const removed = await this.deps.catalog.deleteVersion(fn.id, version);
    if (!removed) return false;
    await this.retire(poolKey(fn.id, version, true));
    await this.forgetCodeUnlessUsed(removed.codeDigest);
    return true;
  }

  /** Removes a function, its versions, its workers and the code no other version uses. Logs stay. */
  async remove(fn: FunctionRecord): Promise<void> {
    const versions = await this.deps.catalog.deleteFunction(fn.id);
    await this.deps.invocationQueue.removeFunction(fn.id, fn.ownerId);
    await Promise.all(
      versions.flatMap((v) => [this.retire(poolKey(fn.id, v.version)), this.retire(poolKey(fn.id, v.version, true))]),
    );
    for (const digest of new Set(versions.map((v) => v.codeDigest))) await this.forgetCodeUnlessUsed(digest);
  }

  /** Code no version uses any more leaves the code store and every node's disk. */
  private async forgetCodeUnlessUsed(digest: string): Promise<void> {
    if (await this.deps.catalog.codeInUse(digest)) return;
    await this.deps.codeStore.delete(digest);
    await this.deps.managers.dropCode(digest);
  }

  /** Closes a version's pool: idle workers go now, busy ones when they are given back. */
  private async retire(key: string): Promise<void> {
    const idle = await this.deps.pool.retire(key);
    await Promise.all(idle.map((worker) => this.deps.managers.destroyWorker(worker).catch(() => null)));
  }

  private async bundle(code: DeployRequest['code']): Promise<Bundle> {
    if ('zip' in code) return bundleFromZip(decodeBase64(code.zip), this.limits);
    if (Object.keys(code.files).length === 0)
      throw new NuboError('NUBO_ERR_DEPLOY_EMPTY_CODE', 'code.files is empty: send at least the handler file.');
    return bundleFromFiles(code.files, this.limits);
  }
}

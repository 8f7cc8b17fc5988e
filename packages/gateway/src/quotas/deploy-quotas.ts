import { quotaExceeded, type Catalog, type FunctionRecord } from '@nubo/core';
import { floorOf } from '../warm-floors.js';
import type { QuotaBook } from './quota-book.js';

const MiB = 1024 * 1024;

/** What a deploy adds that its owner's quotas count. */
export interface DeployShape {
  ownerId: string;
  /** The function as it is, or null for a new one. */
  previous: FunctionRecord | null;
  codeDigest: string;
  unpackedBytes: number;
  minWarm: number;
  memoryMb: number;
}

/** A deploy held to its owner's quotas on functions, code and reserved warm memory, before anything is stored. */
export async function assertDeployQuotas(book: QuotaBook, catalog: Catalog, deploy: DeployShape): Promise<void> {
  const limits = await book.limitsOf(deploy.ownerId);
  const held = await catalog.usageOf(deploy.ownerId);
  if (!deploy.previous && held.functions + 1 > limits.functions)
    throw quotaExceeded(
      'functions',
      limits.functions,
      held.functions + 1,
      'remove a function you no longer need (nubo rm NAME), or ask the admin for more.',
    );
  const newCode = (await catalog.ownsCode(deploy.ownerId, deploy.codeDigest)) ? 0 : deploy.unpackedBytes;
  const codeMb = Math.ceil((held.codeBytes + newCode) / MiB);
  if (held.codeBytes + newCode > limits.codeMb * MiB)
    throw quotaExceeded(
      'codeMb',
      limits.codeMb,
      codeMb,
      'remove old versions (DELETE /v1/functions/NAME/versions/N) or functions, ship less code, or ask the admin for more.',
    );
  const floor = floorOf(deploy).memoryMb;
  if (floor > 0) {
    const warm = (await book.warmMemoryOf(deploy.ownerId, deploy.previous?.id ?? null)) + floor;
    if (warm > limits.warmMemoryMb)
      throw quotaExceeded(
        'warmMemoryMb',
        limits.warmMemoryMb,
        warm,
        "lower minWarm or memoryMb, lower another function's warm floor, or ask the admin for more.",
      );
  }
}

/**
 * Keeps at most the owner's versionsPerFunction of a function, removing the oldest that is not
 * active (the deploy just activated the newest). Answers the versions it removed.
 */
export async function versionsBeyondQuota(book: QuotaBook, catalog: Catalog, fn: FunctionRecord): Promise<number[]> {
  const kept = (await book.limitsOf(fn.ownerId)).versionsPerFunction;
  const versions = (await catalog.listVersions(fn.id)).map((v) => v.version).filter((v) => v !== fn.activeVersion);
  // The active one is kept, so `kept - 1` of the others.
  return versions.slice(0, Math.max(0, versions.length - (kept - 1)));
}

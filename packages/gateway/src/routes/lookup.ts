import { NuboError, type Catalog, type FunctionRecord, type FunctionVersion } from '@nubo/core';
import type { FunctionResolver } from '../function-resolver.js';
import type { InvokeTarget } from '../invoke/invocation-types.js';

export async function activeVersion(catalog: Catalog, fn: FunctionRecord): Promise<FunctionVersion> {
  const version = await catalog.getVersion(fn.id, fn.activeVersion);
  if (!version) throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `Function "${fn.name}" was removed.`);
  return version;
}

/** What a call to one of the caller's own functions runs; `fresh` looks the function up past the cache. */
export async function ownTarget(
  resolver: FunctionResolver,
  catalog: Catalog,
  ownerId: string,
  name: string,
  fresh: boolean,
): Promise<InvokeTarget> {
  const fn = await resolver.own(ownerId, name, fresh);
  return { fn, version: await activeVersion(catalog, fn) };
}

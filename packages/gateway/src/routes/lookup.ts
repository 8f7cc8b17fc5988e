import { NuboError, assertFunctionName, type Catalog, type FunctionRecord, type FunctionVersion } from '@nubo/core';

export async function ownFunction(catalog: Catalog, ownerId: string, name: string): Promise<FunctionRecord> {
  assertFunctionName(name);
  const fn = await catalog.getFunction(ownerId, name);
  if (!fn) throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `You have no function named "${name}": deploy it first (nubo deploy ${name} DIR) or list yours with nubo ls.`);
  return fn;
}

export async function activeVersion(catalog: Catalog, fn: FunctionRecord): Promise<FunctionVersion> {
  const version = await catalog.getVersion(fn.id, fn.activeVersion);
  if (!version) throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `Function "${fn.name}" was removed.`);
  return version;
}

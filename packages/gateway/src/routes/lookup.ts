import { NuboError, type Catalog, type FunctionRecord, type FunctionVersion } from '@nubo/core';

export async function activeVersion(catalog: Catalog, fn: FunctionRecord): Promise<FunctionVersion> {
  const version = await catalog.getVersion(fn.id, fn.activeVersion);
  if (!version) throw new NuboError('NUBO_ERR_FUNCTION_NOT_FOUND', `Function "${fn.name}" was removed.`);
  return version;
}

import {
  deprecatedRuntimes,
  type AsyncInvocation,
  type FunctionRecord,
  type FunctionVersion,
  type InvocationRecord,
} from '@nubo/core';

/** Where a function is reached: the API's base URL for invoke, the triggers' own origin for its HTTP trigger. */
export interface FunctionUrls {
  apiBase: string;
  triggerUrlOf(owner: string, name: string): string;
}

export function functionView(fn: FunctionRecord, urls: FunctionUrls) {
  return {
    name: fn.name,
    owner: fn.ownerName,
    public: fn.public,
    activeVersion: fn.activeVersion,
    createdAt: fn.createdAt,
    updatedAt: fn.updatedAt,
    invokeUrl: `${urls.apiBase}/v1/functions/${fn.name}/invoke`,
    triggerUrl: urls.triggerUrlOf(fn.ownerName, fn.name),
  };
}

export function versionView(version: FunctionVersion) {
  return {
    version: version.version,
    runtime: version.runtime,
    handler: version.handler,
    codeDigest: version.codeDigest,
    codeSize: version.codeSize,
    envNames: Object.keys(version.env).sort(),
    limits: version.limits,
    network: version.network,
    async: version.async,
    createdAt: version.createdAt,
    warnings: versionWarnings(version),
  };
}

export function invocationView(record: InvocationRecord) {
  const { ownerId: _owner, functionId: _fn, ...view } = record;
  return view;
}

/** What a user should act on about a version (a runtime past its end of life). */
export function versionWarnings(version: FunctionVersion): string[] {
  const deprecation = deprecatedRuntimes[version.runtime];
  return deprecation ? [deprecation] : [];
}

export function asyncInvocationView(invocation: AsyncInvocation) {
  const { ownerId: _owner, functionId: _fn, event: _event, ...view } = invocation;
  return view;
}

import type { FastifyRequest } from 'fastify';
import type { FunctionRecord, FunctionVersion, InvocationRecord } from '@nubo/core';

export function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

export function functionView(fn: FunctionRecord, base: string) {
  return {
    name: fn.name,
    owner: fn.ownerName,
    public: fn.public,
    activeVersion: fn.activeVersion,
    createdAt: fn.createdAt,
    updatedAt: fn.updatedAt,
    invokeUrl: `${base}/v1/functions/${fn.name}/invoke`,
    triggerUrl: `${base}/fn/${fn.ownerName}/${fn.name}/`,
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
    createdAt: version.createdAt,
  };
}

export function invocationView(record: InvocationRecord) {
  const { ownerId: _owner, functionId: _fn, ...view } = record;
  return view;
}

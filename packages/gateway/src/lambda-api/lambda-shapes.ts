import { lambdaIdOf, type FunctionRecord, type FunctionVersion } from '@nubo/core';

/** The region segment of Nubo's ARN-like function identifiers. */
const arnRegion = 'nubo';

/** `arn:nubo:lambda:nubo:<owner>:function:<name>`: the owner's username stands where an AWS account id would. */
export function functionArn(fn: FunctionRecord): string {
  return `arn:nubo:lambda:${arnRegion}:${fn.ownerName}:function:${fn.name}`;
}

/**
 * Lambda's FunctionName forms: `name`, `name:qualifier`, `<account>:function:name[:qualifier]` and
 * the full ARN. The account must be the caller's username; anything else names no function of theirs.
 */
export function parseFunctionName(value: string, ownerName: string): { name: string; qualifier: string | null } | null {
  const parts = value.split(':');
  const fromArn = parts[0] === 'arn' ? parts.slice(4) : parts;
  if (fromArn.length >= 3 && fromArn[1] === 'function') {
    if (fromArn[0] !== ownerName || fromArn.length > 4) return null;
    return { name: fromArn[2]!, qualifier: fromArn[3] ?? null };
  }
  if (parts[0] === 'arn' || parts.length > 2) return null;
  return { name: parts[0]!, qualifier: parts[1] ?? null };
}

/** Lambda's LastModified format: `2026-11-27T04:16:03.000+0000`. */
function lambdaTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** A function's configuration in Lambda's shape, for the fields Nubo has. */
export function functionConfiguration(fn: FunctionRecord, version: FunctionVersion) {
  return {
    FunctionName: fn.name,
    FunctionArn: functionArn(fn),
    Runtime: lambdaIdOf(version.runtime),
    Handler: version.handler,
    CodeSize: version.codeSize,
    CodeSha256: Buffer.from(version.codeDigest, 'hex').toString('base64'),
    MemorySize: version.limits.memoryMb,
    Timeout: Math.ceil(version.limits.timeoutMs / 1000),
    Version: String(version.version),
    LastModified: lambdaTimestamp(version.createdAt),
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
  };
}

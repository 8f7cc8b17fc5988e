import { poolKeyOf, type WorkerInfo } from '@nubo/core';

/** A worker as its Redis HASH holds it (`worker:{address}`): WorkerInfo plus its pool key and last use. */
export function toHashFields(worker: WorkerInfo, lastUsedAt: number): string[] {
  return [
    'id',
    worker.id,
    'address',
    worker.address,
    'managerId',
    worker.managerId,
    'functionId',
    worker.functionId,
    'version',
    String(worker.version),
    'idleTtlMs',
    String(worker.idleTtlMs),
    'minWarm',
    String(worker.minWarm),
    'startedAt',
    String(worker.startedAt),
    'initMs',
    String(worker.initMs),
    'key',
    poolKeyOf(worker),
    'lastUsedAt',
    String(lastUsedAt),
    'secret',
    worker.secret,
    ...(worker.pinned ? ['pinned', '1'] : []),
  ];
}

/** Reads a worker back from the flat field, value list HGETALL answers inside a script. */
export function fromHashFields(flat: string[]): WorkerInfo & { lastUsedAt: number } {
  const h: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  return {
    id: h.id!,
    address: h.address!,
    managerId: h.managerId!,
    functionId: h.functionId!,
    version: Number(h.version),
    idleTtlMs: Number(h.idleTtlMs),
    minWarm: Number(h.minWarm ?? 0),
    startedAt: Number(h.startedAt),
    initMs: Number(h.initMs),
    lastUsedAt: Number(h.lastUsedAt),
    secret: h.secret ?? '',
    ...(h.frozen === '1' ? { frozen: true } : {}),
    ...(h.pinned === '1' ? { pinned: true } : {}),
  };
}

export function workerFromHashFields(flat: string[]): WorkerInfo {
  const { lastUsedAt: _ignored, ...worker } = fromHashFields(flat);
  return worker;
}

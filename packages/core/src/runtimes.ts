/**
 * Every runtime Nubo runs, in one table: what kind of worker it is, how Lambda users name it, its
 * worker image, which files a handler may be, and whether it is past its end of life. Everything
 * that differs per runtime reads it from here.
 */

/**
 * The worker program of a runtime: Nubo's Node.js or Python runtime server with the function's
 * handler loaded in it, or (provided) Nubo's Node.js runtime server serving the Lambda Runtime API
 * to the function's own `bootstrap`.
 */
export type RuntimeFamily = 'node' | 'python' | 'provided';

export interface RuntimeDescriptor {
  family: RuntimeFamily;
  /**
   * How the function's code gets its invocations: a handler the runtime server calls, or the Lambda
   * Runtime API its own `bootstrap` polls. Either way the gateway speaks Nubo's framed protocol to the worker.
   */
  protocol: 'handler' | 'lambda-runtime-api';
  /** The ids Lambda users type for it (CreateFunction's Runtime, `nubo deploy --runtime`). */
  lambdaIds: readonly string[];
  /** The extensions a handler's module may have, in lookup order. */
  handlerExtensions: readonly string[];
  /** The Docker sandbox's worker image unless NUBO_IMAGE_<ID> names another. */
  defaultImage: string;
  /** Why it should no longer be used (past its end of life), or null. */
  deprecation: string | null;
}

const nodeExtensions = ['.js', '.mjs', '.cjs'] as const;
/** The custom runtimes are one on Nubo: the host's system (or the image's) with the function's bootstrap. */
const customRuntime = {
  family: 'provided',
  protocol: 'lambda-runtime-api',
  lambdaIds: [],
  handlerExtensions: [],
  defaultImage: 'nubo-runtime-provided:local',
} as const;

export const runtimeTable = {
  node20: {
    family: 'node',
    protocol: 'handler',
    lambdaIds: ['nodejs20.x'],
    handlerExtensions: nodeExtensions,
    defaultImage: 'nubo-runtime-node20:local',
    deprecation: 'Node.js 20 reached its end of life in April 2026 and gets no security fixes: redeploy with node22 or node24.',
  },
  node22: {
    family: 'node',
    protocol: 'handler',
    lambdaIds: ['nodejs22.x'],
    handlerExtensions: nodeExtensions,
    defaultImage: 'nubo-runtime-node22:local',
    deprecation: null,
  },
  node24: {
    family: 'node',
    protocol: 'handler',
    lambdaIds: ['nodejs24.x'],
    handlerExtensions: nodeExtensions,
    defaultImage: 'nubo-runtime-node24:local',
    deprecation: null,
  },
  'python3.11': {
    family: 'python',
    protocol: 'handler',
    lambdaIds: [],
    handlerExtensions: ['.py'],
    defaultImage: 'nubo-runtime-python3.11:local',
    deprecation: null,
  },
  'provided.al2023': { ...customRuntime, deprecation: null },
  'provided.al2': {
    ...customRuntime,
    deprecation:
      'Amazon Linux 2 reached its end of support in June 2026, and Lambda deprecates provided.al2: use provided.al2023 (the same on Nubo).',
  },
  provided: {
    ...customRuntime,
    deprecation:
      'Amazon Linux 1 reached its end of life, and Lambda deprecated provided: use provided.al2023 (the same on Nubo).',
  },
} as const satisfies Record<string, RuntimeDescriptor>;

export type RuntimeId = keyof typeof runtimeTable;
export const runtimeIds = Object.keys(runtimeTable) as [RuntimeId, ...RuntimeId[]];

export function runtimeOf(id: RuntimeId): RuntimeDescriptor {
  return runtimeTable[id];
}

/** The runtimes of one family. */
export type RuntimeOfFamily<F extends RuntimeFamily> = {
  [Id in RuntimeId]: (typeof runtimeTable)[Id]['family'] extends F ? Id : never;
}[RuntimeId];
export type NodeRuntimeId = RuntimeOfFamily<'node'>;

export function isNodeRuntime(runtime: RuntimeId): runtime is NodeRuntimeId {
  return runtimeOf(runtime).family === 'node';
}

/** The runtime ids AWS Lambda users type, accepted as Nubo's own. */
export const lambdaRuntimeAliases: Readonly<Record<string, RuntimeId>> = Object.fromEntries(
  runtimeIds.flatMap((id) => runtimeOf(id).lambdaIds.map((lambdaId) => [lambdaId, id])),
);

/** Runtimes past their end of life: functions on them keep running, and are told so on deploy and when read. */
export const deprecatedRuntimes: Readonly<Partial<Record<RuntimeId, string>>> = Object.fromEntries(
  runtimeIds.flatMap((id) => {
    const { deprecation } = runtimeOf(id);
    return deprecation ? [[id, deprecation]] : [];
  }),
);

/** Lambda's name for a runtime where it has one (Nubo's own otherwise). */
export const lambdaIdOf = (id: RuntimeId): string => runtimeOf(id).lambdaIds[0] ?? id;

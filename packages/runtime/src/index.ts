import { fileURLToPath } from 'node:url';

export type { HealthReply, InvokeRequest, ReadyMessage, RuntimeError, RuntimeReply, WorkerEnvironment } from './protocol.js';

/** Absolute path of the Node.js runtime server script, to run in a worker. */
export const nodeRuntimeScript = fileURLToPath(new URL('./node/server.js', import.meta.url));

/** Absolute path of the Python runtime server script (standard library only), to run in a worker. */
export const pythonRuntimeScript = fileURLToPath(new URL('../python/nubo_runtime.py', import.meta.url));

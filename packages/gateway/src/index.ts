export { buildGateway, type Gateway, type ListenOptions, type Listening } from './app.js';
export type { GatewayDeps } from './deps.js';
export type { GatewaySettings } from './settings.js';
export { hashPassword, verifyPassword } from './auth/secrets.js';
export { KeySealer } from './auth/key-sealing.js';
export { callWorker } from './invoke/call-worker.js';
export { WorkerConnections } from './invoke/worker-connections.js';

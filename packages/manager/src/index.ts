export { Manager, type ManagerOptions } from './manager.js';
export { ProcessSandbox } from './process-sandbox.js';
export { CodeCache } from './code-cache.js';
export { InProcessManagerClient } from './in-process-manager-client.js';
export { buildManagerServer } from './manager-server.js';
export { ClusterMembership, type MembershipOptions } from './cluster-membership.js';
export { HttpManagerClient } from './http-manager-client.js';

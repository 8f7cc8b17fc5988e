export { Manager, type ManagerOptions } from './manager.js';
export { ProcessSandbox } from './process-sandbox.js';
export { CodeCache } from './code-cache.js';
export { InProcessManagerClient } from './in-process-manager-client.js';
export { buildManagerServer } from './manager-server.js';
export { ClusterMembership, type MembershipOptions } from './cluster-membership.js';
export { HttpManagerClient } from './http-manager-client.js';
export { DockerSandbox, type DockerSandboxOptions } from './docker/docker-sandbox.js';
export { buildRuntimeImage, defaultImages } from './docker/runtime-images.js';

export { startEmbedded, type EmbeddedNubo } from './embedded.js';
export { startGatewayNode, type GatewayNode } from './gateway-node.js';
export { startManagerNode, type ManagerNode } from './manager-node.js';
export { ApiClient, ApiError } from './client/api-client.js';
export { zipDirectory } from './client/zip-directory.js';

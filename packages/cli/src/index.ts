export { startEmbedded, type EmbeddedNubo } from './embedded.js';
export { ApiClient, ApiError } from './client/api-client.js';

export { bearerCredential } from './bearer.js';
export { installErrorHandlers, sendError, toNuboError, type ErrorArea } from './error-mapper.js';

export { bearerCredential } from './bearer.js';
export { frameworkErrors, installErrorHandlers, sendError, toNuboError, type ErrorArea } from './error-mapper.js';

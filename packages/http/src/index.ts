export { bearerCredential } from './bearer.js';
export {
  errorOf,
  frameworkErrors,
  installErrorHandlers,
  sendError,
  sendThrown,
  toNuboError,
  type ErrorArea,
  type ErrorContext,
  type ErrorReply,
} from './error-mapper.js';

// The end-to-end suite of e2e/response-bounds.test.ts, unchanged, with workers in Docker containers.
process.env.NUBO_E2E_SANDBOX = 'docker';
await import('../e2e/response-bounds.test.js');

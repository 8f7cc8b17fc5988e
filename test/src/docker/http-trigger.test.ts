// The end-to-end suite of e2e/http-trigger.test.ts, unchanged, with workers in Docker containers.
process.env.NUBO_E2E_SANDBOX = 'docker';
await import('../e2e/http-trigger.test.js');

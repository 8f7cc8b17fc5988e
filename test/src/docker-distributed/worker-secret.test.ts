// The end-to-end suite of e2e/worker-secret.test.ts, unchanged, on the distributed stack with Docker workers.
process.env.NUBO_E2E_STACK = 'distributed';
process.env.NUBO_E2E_SANDBOX = 'docker';
await import('../e2e/worker-secret.test.js');

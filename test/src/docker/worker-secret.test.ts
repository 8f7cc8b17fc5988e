// The end-to-end suite of e2e/worker-secret.test.ts, unchanged, with workers in Docker containers.
process.env.NUBO_E2E_SANDBOX = 'docker';
await import('../e2e/worker-secret.test.js');

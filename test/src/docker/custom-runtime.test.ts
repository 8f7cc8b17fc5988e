// The end-to-end suite of e2e/custom-runtime.test.ts, unchanged, with workers in Docker containers.
process.env.NUBO_E2E_SANDBOX = 'docker';
await import('../e2e/custom-runtime.test.js');

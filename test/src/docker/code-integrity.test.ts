// The end-to-end suite of e2e/code-integrity.test.ts, unchanged, with workers in Docker containers.
process.env.NUBO_E2E_SANDBOX = 'docker';
await import('../e2e/code-integrity.test.js');

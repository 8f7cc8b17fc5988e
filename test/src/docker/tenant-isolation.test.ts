// The isolation suite of e2e/tenant-isolation.test.ts, unchanged, with workers in Docker containers.
process.env.NUBO_E2E_SANDBOX = 'docker';
await import('../e2e/tenant-isolation.test.js');

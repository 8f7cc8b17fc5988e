// The isolation suite of e2e/tenant-isolation.test.ts, unchanged, against a distributed stack with
// workers in Docker containers (a `network: "none"` container is reached through its manager's relay).
process.env.NUBO_E2E_STACK = 'distributed';
process.env.NUBO_E2E_SANDBOX = 'docker';
await import('../e2e/tenant-isolation.test.js');

// The isolation suite of e2e/tenant-isolation.test.ts, unchanged, against a distributed stack: workers
// reached through their managers' relays, and Redis, MariaDB, FerretDB and s3rver as platform addresses.
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/tenant-isolation.test.js');

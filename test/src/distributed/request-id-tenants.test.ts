// The suite of e2e/request-id-tenants.test.ts, unchanged, on MongoDB records and BullMQ events.
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/request-id-tenants.test.js');

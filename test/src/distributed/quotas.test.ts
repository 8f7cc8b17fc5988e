// The suite of e2e/quotas.test.ts, unchanged, on MariaDB, BullMQ queues and Redis pools.
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/quotas.test.js');

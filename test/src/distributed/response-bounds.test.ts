// The end-to-end suite of e2e/response-bounds.test.ts, unchanged, against a distributed stack (two gateways, two managers, Redis, MariaDB, FerretDB, s3rver).
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/response-bounds.test.js');

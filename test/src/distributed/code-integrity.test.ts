// The end-to-end suite of e2e/code-integrity.test.ts, unchanged, against a distributed stack: two gateways,
// two managers (127.0.0.2, 127.0.0.3), Redis, MariaDB, FerretDB and s3rver.
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/code-integrity.test.js');

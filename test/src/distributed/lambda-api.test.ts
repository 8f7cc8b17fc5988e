// The end-to-end suite of e2e/lambda-api.test.ts, unchanged, against a distributed stack: keys made
// on one gateway sign requests any gateway checks (they share NUBO_KEY_SEALING_SECRET).
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/lambda-api.test.js');

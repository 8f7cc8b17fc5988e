// The suite of e2e/console-api.test.ts, unchanged, against a distributed stack: the live tail
// follows calls another gateway ran, and sessions made on one gateway work on the others.
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/console-api.test.js');

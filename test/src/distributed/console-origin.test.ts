// The suite of e2e/console-origin.test.ts, unchanged, against a distributed stack (triggers on every gateway).
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/console-origin.test.js');

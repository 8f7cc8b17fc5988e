// The suite of e2e/custom-runtime.test.ts, unchanged, on a distributed stack.
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/custom-runtime.test.js');

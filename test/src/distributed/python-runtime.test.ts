// The end-to-end suite of e2e/python-runtime.test.ts, unchanged, against a distributed stack.
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/python-runtime.test.js');

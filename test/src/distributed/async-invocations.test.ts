// The end-to-end suite of e2e/async-invocations.test.ts, unchanged, against a distributed stack:
// events in Redis (BullMQ), consumed by both gateways.
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/async-invocations.test.js');

// The end-to-end suite of e2e/warm-floors.test.ts, unchanged, against a distributed stack: the
// reservations count the room of both managers, and floors spread over them.
process.env.NUBO_E2E_STACK = 'distributed';
await import('../e2e/warm-floors.test.js');

// The end-to-end suite of e2e/stem-cells.test.ts, unchanged, with workers in Docker containers: a
// stem cell is a hardened container whose code arrives through its read-only bind, and its
// environment and secret in its one control call.
process.env.NUBO_E2E_SANDBOX = 'docker';
await import('../e2e/stem-cells.test.js');

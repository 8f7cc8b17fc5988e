#!/usr/bin/env node
// The `nubo` command as npm links it (node_modules/.bin/nubo): runs the compiled CLI, or says how to build it.
import('../dist/bin.js').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/bin.js')) {
    console.error('nubo is not built yet: run "npm run build" (or "npm start") in the Nubo checkout first.');
    process.exit(1);
  }
  throw err;
});

#!/usr/bin/env node
// The CLI is compiled by `npm run build` (run automatically by `npm install`).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli/main.js')) {
    console.error('masthead: not built yet; run `npm run build` first');
    process.exit(1);
  }
  throw err;
});

#!/usr/bin/env node
// The bin runs the compiled CLI: pino transports run in worker threads and need compiled JS on Node 20.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/index.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('heroflow: dist/ is missing; build it first with `npm run build` (npm install does it too).');
  process.exit(1);
}
const { main, reportFailure } = await import(entry.href);
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = reportFailure(err);
  },
);

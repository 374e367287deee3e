#!/usr/bin/env node
// The bin runs the compiled CLI: pino transports run in worker threads and need compiled JS on Node 20.
import { main } from '../dist/cli/index.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err?.stack ?? String(err));
    process.exitCode = 1;
  },
);

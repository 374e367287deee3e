#!/usr/bin/env node
// The bin runs the compiled CLI: pino transports run in worker threads and need compiled JS on Node 20.
import { existsSync } from 'node:fs';

// V8 takes the young generation's size only at start. Node 24 lets the main thread's grow to 128 MB
// (Node 20: 32 MB), which a worker fills with kafkajs' short-lived objects: ~95 MB of RSS for no speed
// at 8 MB semi-spaces, and 12–16 MB less again at 4 (docs/performance.md, sessions 11 and 17). So the
// process replaces itself once (same pid, same stdio) with the cap, unless the user chose a size (flag or
// NODE_OPTIONS) or Node has no execve (< 22.15).
const YOUNG_GENERATION = '--max-semi-space-size=';
// On the same start: kafkajs 2.2.4 schedules a negative delay, which Node 24 turns into 1 ms as Node 20
// does, but with a TimeoutNegativeWarning on every start (kafkajs issue 1751; README, Requirements).
const QUIET_KAFKAJS = '--disable-warning=TimeoutNegativeWarning';
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
const missing = [
  [YOUNG_GENERATION, `${YOUNG_GENERATION}4`],
  [QUIET_KAFKAJS, QUIET_KAFKAJS],
]
  .filter(([prefix]) => !given.some((flag) => flag.startsWith(prefix)))
  .map(([, flag]) => flag);
// Once replaced, both are in execArgv: nothing is missing, so it happens once.
if (missing.length > 0 && typeof process.execve === 'function') {
  const args = [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)];
  try {
    process.execve(process.execPath, args, process.env);
  } catch {
    // Not replaced (a sandbox that forbids exec): run on as started, with V8's own young generation.
  }
}

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

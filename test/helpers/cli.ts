/**
 * Run the real `heroflow` binary (bin/heroflow.js → dist/) as a user would. `npm test` builds dist/ first
 * (pretest); a test run on its own builds it when src/ is newer.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin/heroflow.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let built = false;
export function ensureBuilt(): void {
  if (built) return;
  const target = join(ROOT, 'dist/cli/index.js');
  if (!existsSync(target) || statSync(target).mtimeMs < newestMtime(join(ROOT, 'src'))) {
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], {
        cwd: ROOT,
        stdio: 'pipe',
      });
    } catch {
      // tsc exits non-zero on a type error anywhere but still writes dist/; the check below decides.
    }
  }
  if (!existsSync(target)) throw new Error(`${target} missing after tsc -p tsconfig.json`);
  built = true;
}

export interface CliResult {
  status: number | null;
  /** Set when the command was killed, e.g. SIGTERM at the timeout. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run to the end. `timeoutMs` only stops a hung command: set it for the long ones by what a slow CI
 * machine needs (CI has run 1.5× slower than the development VM), never as a check of speed.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  { timeoutMs = 180_000 }: { timeoutMs?: number } = {},
): CliResult {
  ensureBuilt();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Start the binary in the background (workers, servers); the caller kills or awaits it. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  ensureBuilt();
  return spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'pipe',
  });
}

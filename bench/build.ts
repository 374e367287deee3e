/**
 * The benches that start `heroflow` processes run bin/heroflow.js, which runs dist/: they build it once
 * their flags have parsed, so that `--help` and a bad flag answer at once instead of after a compile.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function buildDist(): void {
  execFileSync('npm', ['run', 'build', '--silent'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'inherit',
  });
}

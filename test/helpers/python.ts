/**
 * Python readers for tests (fastavro). A missing module skips with a visible line, or fails the suite
 * when HEROFLOW_REQUIRE_SERVICES=1 (set by .ci/run, which installs them).
 */
import { spawnSync } from 'node:child_process';
import { skipIfMissing } from './skip.js';

export function python(code: string, args: string[] = [], input?: string) {
  return spawnSync('python3', ['-c', code, ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 64 * 1024 * 1024,
  });
}

export function skipUnlessPython(module: string): false | string {
  const probe = python(`import ${module}`);
  if (probe.status === 0) return false;
  return skipIfMissing(`python3 with ${module} is not available (pip install ${module})`);
}

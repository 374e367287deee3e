/**
 * terraform/ checked without Terraform or a cloud account: terraform/check.py parses every file with
 * python-hcl2 and cross-checks variables, module inputs/outputs, resources and the tfvars examples.
 * Skipped with a visible reason when python-hcl2 is missing (failing under HEROFLOW_REQUIRE_SERVICES=1).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { skipIfMissing } from './helpers/skip.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

it('terraform/ modules and roots are consistent (python-hcl2)', (t) => {
  const r = spawnSync('python3', ['terraform/check.py'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status === 3 || r.error) {
    const reason = skipIfMissing('python-hcl2 is not installed (python3 -m pip install python-hcl2)');
    t.skip(reason || undefined);
    return;
  }
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /6 directories, 0 problem/);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';
import { BAD_INPUT_CODES, ERROR_CODES, HeroflowError } from '../src/errors.js';

const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\| `(HF_[A-Z_]+)` \| .* \| (\d) \|$/gm)].map((m) => [m[1], Number(m[2])] as const),
);

test('docs/errors.md lists exactly the codes of src/errors.ts', () => {
  assert.deepEqual([...documented.keys()].sort(), Object.keys(ERROR_CODES).sort());
});

test('the exit code documented for each error is the one the CLI uses', () => {
  for (const [code, exit] of documented) {
    const err = new HeroflowError(code as keyof typeof ERROR_CODES, 'x');
    assert.equal(err.exitCode, exit, code);
    assert.equal(BAD_INPUT_CODES.has(err.code), exit === 2, code);
  }
});

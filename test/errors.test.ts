import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
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

test('every code is raised somewhere in src/ (a code nothing throws is a stale promise to users)', () => {
  const root = new URL('../src/', import.meta.url);
  const sources = readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && f !== 'errors.ts')
    .map((f) => readFileSync(new URL(f, root), 'utf8'))
    .join('\n');
  const unused = Object.keys(ERROR_CODES).filter(
    (code) => !new RegExp(`HeroflowError\\(\\s*'${code}'|: '${code}'|\\? '${code}'`).test(sources),
  );
  assert.deepEqual(unused, []);
});

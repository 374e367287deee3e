/**
 * bin/heroflow.js caps V8's young generation by replacing the process once with the flag (Node ≥ 22.15
 * has process.execve): same pid, same stdio, the user's own choice of size kept, kafkajs' negative-delay
 * warning off.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, ensureBuilt, ROOT } from '../helpers/cli.js';

const CAP = '--max-semi-space-size=4';
const canExec = typeof (process as { execve?: unknown }).execve === 'function';

// Loaded by every process the run starts (a preload survives the execve with execArgv): it reports the
// pid and flags of the process that ends, and, once its work is done, schedules a negative delay as
// kafkajs 2.2.4 does (a process that execs never gets that far, so only the one that runs the CLI does).
const probe = join(mkdtempSync(join(tmpdir(), 'hf-bin-')), 'probe.cjs');
writeFileSync(
  probe,
  `let scheduled = false;
process.on('beforeExit', () => { if (!scheduled) { scheduled = true; setTimeout(() => {}, -1); } });
process.on('exit', () => require('fs').writeSync(2, 'PROBE ' + JSON.stringify({ pid: process.pid, execArgv: process.execArgv }) + '\\n'));`,
);

function run(nodeArgs: string[], env: NodeJS.ProcessEnv = {}) {
  ensureBuilt();
  const r = spawnSync(process.execPath, ['--require', probe, ...nodeArgs, BIN, '--help'], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('PROBE '));
  assert.ok(line, `no probe line in stderr: ${r.stderr}`);
  const ended = JSON.parse(line.slice('PROBE '.length)) as { pid: number; execArgv: string[] };
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, childPid: r.pid, ...ended };
}

test('the process that runs the CLI has the young-generation cap where Node can execve, in the same pid', () => {
  const r = run([]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /worker/, '--help printed the commands');
  assert.equal(r.pid, r.childPid, 'replaced in place, not a second process');
  assert.equal(r.execArgv.includes(CAP), canExec, `execArgv ${JSON.stringify(r.execArgv)}`);
  if (canExec) assert.ok(r.execArgv.includes('--require'), 'the runtime flags the user gave are kept');
  if (canExec)
    assert.doesNotMatch(r.stderr, /TimeoutNegativeWarning: /, "kafkajs' negative delay is not announced");
});

test('a size the user chose on the command line or in NODE_OPTIONS is left alone', () => {
  const own = run(['--max-semi-space-size=16']);
  assert.equal(own.status, 0);
  assert.deepEqual(
    own.execArgv.filter((a) => a.startsWith('--max-semi-space-size')),
    ['--max-semi-space-size=16'],
  );
  const fromEnv = run([], { NODE_OPTIONS: '--max-semi-space-size=32' });
  assert.equal(fromEnv.status, 0);
  assert.ok(!fromEnv.execArgv.includes(CAP), `execArgv ${JSON.stringify(fromEnv.execArgv)}`);
  // The warning is turned off all the same (the process is still replaced for that flag alone).
  if (canExec)
    for (const r of [own, fromEnv]) {
      assert.equal(r.pid, r.childPid);
      assert.doesNotMatch(r.stderr, /TimeoutNegativeWarning: /, "kafkajs' negative delay is not announced");
    }
});

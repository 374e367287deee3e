/**
 * A command loads what it runs and nothing else: every worker of a group pays its process's start, and
 * loading the other commands' libraries was half of it (docs/performance.md, "What a worker costs to
 * start"). A preload lists the npm packages in the main thread's module cache when the process ends
 * (ESM imports of CommonJS packages land there too; the ETL thread has a cache of its own).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BIN, ensureBuilt, ROOT } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hf-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const probe = join(dir, 'probe.cjs');
writeFileSync(
  probe,
  `process.on('exit', () => {
  const names = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file);
    if (m) names.add(m[1]);
  }
  require('fs').writeSync(2, '\\nLOADED ' + JSON.stringify([...names].sort()) + '\\n');
});`,
);

/** The packages of the process that ran the command (the one that ends; bin/heroflow.js may exec once). */
function loadedBy(args: string[]): { status: number | null; packages: string[]; stderr: string } {
  ensureBuilt();
  const r = spawnSync(process.execPath, ['--require', probe, BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const line = r.stderr.split('\n').findLast((l) => l.startsWith('LOADED '));
  assert.ok(line, `no LOADED line in stderr: ${r.stderr}`);
  return { status: r.status, packages: JSON.parse(line.slice('LOADED '.length)), stderr: r.stderr };
}

/** Libraries of other commands, brokers, metrics and the Parquet encoder. */
const HEAVY = [
  'kafkajs',
  'ioredis',
  'prom-client',
  'parquet-wasm',
  'avsc',
  'ws',
  'yaml',
  'cli-progress',
  'hdr-histogram-js',
];

test('--help loads the command line and none of the libraries the commands run on', () => {
  const r = loadedBy(['--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.packages.includes('commander'), `commander not seen: ${r.packages}`);
  assert.deepEqual(
    [...HEAVY, 'pino'].filter((p) => r.packages.includes(p)),
    [],
  );
});

test('a memory:// worker loads neither a broker client, nor prom-client, nor another command’s libraries', () => {
  const out = join(dir, 'out');
  const r = loadedBy([
    'worker',
    '--broker',
    'memory://',
    '--topics',
    'lib.server.game',
    '--out',
    out,
    '--exit-when-idle',
    '500ms',
    '--log-level',
    'warn',
  ]);
  assert.equal(r.status, 0, r.stderr);
  // The worker ran: its logger and its command line are there.
  for (const p of ['pino', 'commander']) assert.ok(r.packages.includes(p), `${p} not seen: ${r.packages}`);
  assert.deepEqual(
    HEAVY.filter((p) => r.packages.includes(p)),
    [],
  );
});

#!/usr/bin/env node
/**
 * Builds heroflow's native ETL engine (native/: Rust, arrow-rs and parquet) into native/heroflow-etl.node,
 * which the ETL thread loads (src/etl/native-engine.ts). Runs at `npm install` / `npm ci`.
 *
 * Optional by design: without a Rust toolchain, or when the build fails, heroflow runs its JS ETL (the
 * same tables, the same types, ~3× the CPU a record; docs/performance.md) and this says so in one line.
 *   HEROFLOW_NATIVE=0   skip the build
 *   HEROFLOW_NATIVE=1   a build that cannot run or fails fails the install (CI sets it)
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const crate = path.join(root, 'native');
const out = path.join(crate, 'heroflow-etl.node');
const want = process.env.HEROFLOW_NATIVE ?? 'auto';
if (!['0', '1', 'auto'].includes(want)) {
  console.error(`heroflow: HEROFLOW_NATIVE=${want} is not allowed: use 0 (skip), 1 (required) or leave it unset`);
  process.exit(2);
}

function giveUp(why) {
  if (want === '1') {
    console.error(`heroflow: the native ETL engine did not build: ${why} (HEROFLOW_NATIVE=1 requires it)`);
    process.exit(1);
  }
  console.error(`heroflow: the native ETL engine is not built (${why}); workers use the JS ETL`);
  process.exit(0);
}

if (want === '0') {
  rmSync(out, { force: true });
  giveUp('HEROFLOW_NATIVE=0');
}
// rustup's default place, where a fresh shell's PATH may not have it yet.
const env = { ...process.env, PATH: `${process.env.PATH}${path.delimiter}${path.join(os.homedir(), '.cargo', 'bin')}` };
if (spawnSync('cargo', ['--version'], { env }).status !== 0)
  giveUp('no Rust toolchain: install one from https://rustup.rs and run `npm run build:native`');

console.error('heroflow: building the native ETL engine (Rust; ~4 min on 2 cores the first time, seconds after)');
const started = Date.now();
const build = spawnSync('cargo', ['build', '--release', '--locked', '-p', 'heroflow-native-etl-addon'], {
  cwd: crate,
  env,
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (build.status !== 0) giveUp(`cargo build exited ${build.status ?? build.signal}; its output is above`);
const lib = { darwin: 'libheroflow_native_etl_addon.dylib', win32: 'heroflow_native_etl_addon.dll' }[process.platform];
const built = path.join(crate, 'target', 'release', lib ?? 'libheroflow_native_etl_addon.so');
if (!existsSync(built)) giveUp(`cargo built no ${path.relative(root, built)}`);
// Node loads any shared library named *.node.
copyFileSync(built, out);
console.error(`heroflow: native ETL engine built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${path.relative(root, out)}`);

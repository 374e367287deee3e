/**
 * The native ETL engine: native/ (Rust: a port of scan-record.ts, arrow-rs builders and the parquet crate
 * of the arrow-rs release parquet-wasm wraps), built at install into native/heroflow-etl.node
 * (scripts/build-native.mjs) and loaded into the ETL thread as an N-API addon. It reads a packed chunk
 * where the main thread left it and writes the four per-message tables with the same columns, types and
 * writer properties as the JS path, for ~⅓ of its CPU a record (docs/performance.md).
 *
 * The records it does not read (outside the fast path's shape, or over 32,767 bytes) it hands back by
 * index; the JS path (transform.ts) reads them, names what is wrong with a malformed one, and builds their
 * rows in its own builders. A segment's file per table is then the engine's row groups followed by the JS
 * path's. The engine writes ZSTD only; other codecs go to the JS path.
 *
 *   --etl-engine auto    the native engine where it is built and the codec is ZSTD, else JS (default)
 *   --etl-engine native  the native engine, or an error at start when it is not built
 *   --etl-engine js      the JS path only
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HeroflowError } from '../errors.js';
import type { Compression } from './compression.js';

export const ETL_ENGINES = ['auto', 'native', 'js'] as const;
export type EtlEngine = (typeof ETL_ENGINES)[number];

/** One open segment in the addon (native/addon/src/lib.rs). Per-table arrays follow NATIVE_TABLES. */
export interface NativeSegment {
  /** Records `0..count` of a packed chunk; returns the indices it did not read, in order. */
  push(meta: Float64Array, bytes: Uint8Array, count: number): Uint32Array;
  /** Per table, its Parquet file (empty for a table that got no rows). */
  finish(): Buffer[];
  readonly rows: number[];
  readonly encodeMs: number[];
  /** Of the last push: its first appended record's index (-1 for none) and envelope time (NaN). */
  readonly firstIndex: number;
  readonly firstTime: number;
  readonly cpuMs: number;
}

interface Addon {
  Engine: new (etlId: string, topic: string, tables: string[], partRecords: number) => NativeSegment;
  setMallocThresholds(mmapBytes: number, trimBytes: number): boolean;
}

/** The tables the engine builds, in the order of its per-table arrays (etl_meta stays the thread's). */
export const NATIVE_TABLES = ['buffer_meta', 'log_meta', 'lib_server_lobby', 'lib_server_game'] as const;

/** Where scripts/build-native.mjs puts the addon (from src/etl and dist/etl alike). */
export const NATIVE_ADDON = fileURLToPath(new URL('../../native/heroflow-etl.node', import.meta.url));

let loaded: Addon | string | undefined;

/** The addon, or why it is not there (said by `--etl-engine native` and the worker's start line). */
export function nativeAddon(): Addon | string {
  if (loaded !== undefined) return loaded;
  if (!existsSync(NATIVE_ADDON))
    loaded = `${NATIVE_ADDON} is not built (npm run build:native needs a Rust toolchain)`;
  else {
    try {
      loaded = createRequire(import.meta.url)(NATIVE_ADDON) as Addon;
    } catch (err) {
      loaded = `${NATIVE_ADDON} did not load: ${(err as Error).message}`;
    }
  }
  return loaded;
}

/** Why these settings do not run the native engine, or undefined when they do: the one rule for all below. */
function whyNotNative(engine: EtlEngine, compression: Compression): string | undefined {
  if (engine === 'js') return '--etl-engine js';
  if (compression !== 'zstd') return `--compression ${compression}: the native engine writes ZSTD only`;
  const addon = nativeAddon();
  return typeof addon === 'string' ? addon : undefined;
}

/** Whether a segment with these settings runs on the native engine. */
export function usesNative(engine: EtlEngine, compression: Compression): boolean {
  return whyNotNative(engine, compression) === undefined;
}

/** What reads a worker's records, for its summary: `native`, or `js` and why. */
export function describeEtlEngine(engine: EtlEngine, compression: Compression): string {
  const why = whyNotNative(engine, compression);
  return why === undefined ? 'native' : `js (${why})`;
}

/**
 * Checked when a worker or the demo opens, before anything connects: `native` must be able to run
 * (`auto` always can: it falls back to JS). A bad combination is a settings error (exit code 2).
 */
export function checkEtlEngine(engine: EtlEngine, compression: Compression): void {
  const problem = engine === 'native' ? whyNotNative(engine, compression) : undefined;
  if (problem !== undefined)
    throw new HeroflowError(
      'HF_CONFIG_INVALID',
      `Invalid --etl-engine native (env HEROFLOW_ETL_ENGINE): ${problem}. Use --etl-engine auto or js.`,
    );
}

/**
 * glibc's mmap and trim thresholds fixed at their starting 128 KiB for the whole process, through the addon
 * (Node has no mallopt; why: pipeline/process-memory.ts). False where it is not built or not on glibc.
 */
export function fixMallocThresholds(): boolean {
  const addon = nativeAddon();
  return typeof addon !== 'string' && addon.setMallocThresholds(128 * 1024, 128 * 1024);
}

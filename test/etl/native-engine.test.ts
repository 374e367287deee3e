/**
 * The native ETL engine (native/, loaded by the ETL thread) against the JS path, on the same packed
 * records: the same rows in every table, the same rejections, the same Parquet schema. The records mix
 * what the engine reads with what it hands back to the JS path (escapes, other key orders, malformed
 * JSON, an oversized value), and the broker fields it must carry (keys, headers, big offsets).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Delivery } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import { type EncodedFile, EtlPool, type SegmentOpen } from '../../src/etl/etl-pool.js';
import {
  checkEtlEngine,
  fixMallocThresholds,
  NATIVE_ADDON,
  nativeAddon,
} from '../../src/etl/native-engine.js';
import { ChunkPacker } from '../../src/etl/packed.js';
import { keySizeOf } from '../../src/etl/record.js';
import { runCli } from '../helpers/cli.js';
import { attackFrame, delivery, envelope, pyDumps, startFrame } from './fixtures.js';

const addon = nativeAddon();
// CI builds the engine at install (HEROFLOW_NATIVE=1): there, a missing engine is a failure, not a skip.
const skip =
  typeof addon === 'string' && process.env.HEROFLOW_NATIVE !== '1' ? `native engine: ${addon}` : false;

const T = '2023-09-01T12:00:00';
const heroes = [
  { token: 'u1', id: 5, attack: 7, health: 9 },
  { token: 'u2', id: 65535, attack: 2 ** 40, health: 0 },
];
const start = (game: string) =>
  envelope('l', 'Starting Match', `${T}.000001`, pyDumps(startFrame(`${T}Z`, game, heroes)));
const attack = (game: string, damage: number) =>
  envelope('g', 'Attack Completed', `${T}.5`, pyDumps(attackFrame(`${T}Z`, game, 'u1', 'u2', damage, 100)));

/** Values and broker fields, each kind at least once, in an order that interleaves both engines' records. */
function records(): Delivery[] {
  const values: string[] = [
    pyDumps(start('g1')),
    pyDumps(attack('g1', 10)),
    pyDumps(envelope('n', 'a plain log line', `${T}.25`)),
    // Escapes in a copied string: the engine hands it back; the JS path unescapes it.
    pyDumps(envelope('n', 'a "quoted"\nline', `${T}.25`)),
    // Keys in another order: handed back, same rows.
    JSON.stringify({
      log_message: 'Attack Completed',
      name: 'g',
      level: 'INFO',
      timestamp: `${T}.5`,
      task: pyDumps(attackFrame(`${T}Z`, 'g2', 'u3', 'u4', 3, 3)),
    }),
    '{"level": "INFO", "timestamp": ', // malformed: a dead letter
    pyDumps(envelope('n', 'x'.repeat(33_000), `${T}.25`)), // over 32,767 bytes: a dead letter
    pyDumps({
      ...attack('g3', 1),
      task: pyDumps({
        ...attackFrame(`${T}Z`, 'g3', 'u1', 'u2', 1, 1),
        STATUS: {
          ACTION: 'ATTACK',
          DETAILS: { ENEMY_TOKEN: null, ENEMY_DAMAGE: 1, ENEMY_HEALTH_PRIOR: 1, ENEMY_HEALTH_POST: 0 },
        },
      }),
    }),
    pyDumps(start('g4')),
  ];
  const ds: Delivery[] = [];
  for (let round = 0; round < 3; round++) {
    values.forEach((v, i) => {
      const n = round * values.length + i;
      ds.push(
        delivery(v, {
          partition: n % 2 === 0 ? 3 : 300,
          offset: n === 4 ? 2n ** 60n + 7n : n === 5 ? undefined : BigInt(1000 + n),
          id: n === 5 ? 'stream-id-5' : undefined,
          key: n % 3 === 0 ? undefined : n % 3 === 1 ? `key-${n}` : `ключ-${n}`,
          headers:
            n % 4 === 0 ? undefined : { 'heroflow-msg-id': `id-${n}`, trace: n % 4 === 3 ? 'ü' : `t${n}` },
          timestamp: 1_700_000_000_000 + n + 0.5,
        }),
      );
    });
  }
  return ds;
}

interface Run {
  files: EncodedFile[];
  rejects: [number, string][][];
  firstTimes: number[];
}

/** The records in chunks of `per` through one segment of a fresh pool with `engine`. */
async function run(
  engine: SegmentOpen['engine'],
  per: number,
  tables = [
    'buffer_meta',
    'log_meta',
    'lib_server_lobby',
    'lib_server_game',
    'etl_meta',
  ] as SegmentOpen['tables'],
): Promise<Run> {
  const pool = new EtlPool();
  try {
    const seg = pool.open({ topic: 'lib.server.game', etlId: 'etl-1', tables, compression: 'zstd', engine });
    const ds = records();
    const out: Run = { files: [], rejects: [], firstTimes: [] };
    for (let at = 0; at < ds.length; at += per) {
      const p = new ChunkPacker();
      for (const d of ds.slice(at, at + per)) p.pack(d, keySizeOf(d));
      const r = await pool.chunk(seg, p.take());
      out.rejects.push(r.rejects);
      out.firstTimes.push(r.firstTime);
    }
    out.files = await pool.finish(seg, { service: 'kafka', mode: 'Streaming', openedAt: 1, endedAt: 2 });
    return out;
  } finally {
    await pool.close();
  }
}

const buffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
const rowKey = (r: Record<string, unknown>) =>
  JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Date ? v.toISOString() : v));

/** A table's rows in a stable order (the engine's row groups come before the JS path's). */
async function rows(f: EncodedFile) {
  return (await parquetReadObjects({ file: buffer(f.bytes), compressors })).map(rowKey).sort();
}

describe('the native ETL engine', { skip }, () => {
  it('writes the rows, rejections and schema the JS path writes, for records of every kind', async () => {
    for (const per of [4, 27]) {
      const js = await run('js', per);
      const native = await run('native', per);
      assert.deepEqual(native.rejects, js.rejects, `rejections, chunks of ${per}`);
      assert.deepEqual(native.firstTimes, js.firstTimes, `first envelope times, chunks of ${per}`);
      assert.deepEqual(
        native.files.map((f) => [f.table, f.rows]),
        js.files.map((f) => [f.table, f.rows]),
      );
      for (const [i, f] of native.files.entries()) {
        const j = js.files[i];
        if (f.table !== 'etl_meta')
          assert.deepEqual(await rows(f), await rows(j), `${f.table}, chunks of ${per}`);
        const schema = (b: Uint8Array) => parquetMetadata(buffer(b)).schema;
        const arrow = (b: Uint8Array) =>
          parquetMetadata(buffer(b)).key_value_metadata?.find((kv) => kv.key === 'ARROW:schema')?.value;
        assert.deepEqual(schema(f.bytes), schema(j.bytes), `${f.table} schema`);
        assert.equal(arrow(f.bytes), arrow(j.bytes), `${f.table} ARROW:schema`);
      }
      // Both engines made rows: the engine's row groups, then the JS path's (the escaped line's).
      const log = parquetMetadata(buffer(native.files.find((f) => f.table === 'log_meta')!.bytes));
      assert.match(log.created_by ?? '', /native/, 'the engine wrote the file');
      assert.equal(log.row_groups.length, 2, "row groups of log_meta: the engine's and the JS path's");
    }
  });

  it('builds only the tables asked for', async () => {
    const only = await run('native', 27, ['lib_server_game']);
    assert.deepEqual(
      only.files.map((f) => f.table),
      ['lib_server_game'],
    );
    const all = await run('js', 27);
    assert.deepEqual(
      await rows(only.files[0]),
      await rows(all.files.find((f) => f.table === 'lib_server_game')!),
    );
  });

  it('a worker says which engine read its records, and --etl-engine native with another codec exits 2', () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'hf-engine-'));
    try {
      const worker = (...flags: string[]) =>
        runCli(['worker', '--broker', 'memory://', '--out', out, '--exit-when-idle', '1s', ...flags]);
      assert.match(worker().stdout, /ETL engine\s+native$/m);
      assert.match(worker('--etl-engine', 'js').stdout, /ETL engine\s+js \(--etl-engine js\)$/m);
      const refused = worker('--etl-engine', 'native', '--compression', 'snappy');
      assert.equal(refused.status, 2, refused.stderr);
      assert.match(refused.stderr, /Invalid --etl-engine native .*ZSTD only.*\[HF_CONFIG_INVALID\]/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('--etl-engine native with another codec is a settings error', () => {
    assert.throws(
      () => checkEtlEngine('native', 'snappy'),
      (e) => isHeroflowError(e) && e.code === 'HF_CONFIG_INVALID' && /ZSTD only/.test(e.message),
    );
    assert.doesNotThrow(() => checkEtlEngine('auto', 'snappy'));
    assert.doesNotThrow(() => checkEtlEngine('native', 'zstd'));
  });

  it("fixes glibc's malloc thresholds where the allocator is glibc's", () => {
    // The runtime's glibc version is in the process report only when Node runs on glibc.
    const { header } = process.report.getReport() as { header: { glibcVersionRuntime?: string } };
    assert.equal(fixMallocThresholds(), header.glibcVersionRuntime !== undefined);
  });
});

describe('without the native engine', () => {
  it('--etl-engine native says what is missing', {
    skip: typeof addon !== 'string' && 'the engine is built',
  }, () => {
    assert.throws(
      () => checkEtlEngine('native', 'zstd'),
      (e) => isHeroflowError(e) && e.message.includes(NATIVE_ADDON),
    );
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Delivery } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import { EtlPool, type SegmentOpen } from '../../src/etl/etl-pool.js';
import { ChunkPacker, type PackedChunk } from '../../src/etl/packed.js';
import { keySizeOf } from '../../src/etl/record.js';
import { attackFrame, deliveries, envelope, pyDumps } from './fixtures.js';
import { recordedSink } from './helpers.js';

const attackOf = (damage: number) =>
  envelope(
    'kafka.lib.server.game',
    'Attack Completed',
    '2023-09-01T12:00:00',
    pyDumps(attackFrame('2023-09-01T12:00:00Z', 'g', 'u', 'e', damage, 100)),
  );
const attack = attackOf(10);
const CRASHING = new URL('./crashing-etl.ts', import.meta.url);
const OPEN: SegmentOpen = {
  topic: 'lib.server.game',
  etlId: 'etl-1',
  tables: ['lib_server_game', 'etl_meta'],
  compression: 'zstd',
};
const FINISH = { service: 'kafka', mode: 'Streaming', openedAt: 1, endedAt: 2 };

function pack(ds: Delivery[]): PackedChunk {
  const p = new ChunkPacker();
  for (const d of ds) p.pack(d, keySizeOf(d));
  return p.take();
}

async function damages(bytes: Uint8Array): Promise<unknown[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file, compressors })).map((r) => r.enemy_damage);
}

describe('EtlPool (the ETL thread)', () => {
  it('keeps each segment in chunk order, whatever order segments finish in', async () => {
    const pool = new EtlPool();
    try {
      const a = pool.open(OPEN);
      const b = pool.open({ ...OPEN, etlId: 'etl-2' });
      const chunks = [
        pool.chunk(a, pack(deliveries([attackOf(1), attackOf(2)]))),
        pool.chunk(b, pack(deliveries([attackOf(11)]))),
        pool.chunk(a, pack(deliveries([attackOf(3)], { from: 2n }))),
        pool.chunk(b, pack(deliveries([attackOf(12), attackOf(13)], { from: 1n }))),
      ];
      await Promise.all(chunks);
      const [fb, fa] = await Promise.all([pool.finish(b, FINISH), pool.finish(a, FINISH)]);
      assert.deepEqual(
        fa.map((f) => f.table),
        ['lib_server_game', 'etl_meta'],
      );
      assert.deepEqual(await damages(fa[0].bytes), [1n, 2n, 3n]);
      assert.deepEqual(await damages(fb[0].bytes), [11n, 12n, 13n]);
      assert.equal(fa[0].rows, 3);
    } finally {
      await pool.close();
    }
  });

  it('with two threads, spreads segments over both and keeps each in chunk order', async () => {
    const pool = new EtlPool(undefined, 2);
    try {
      const segs = [1, 2, 3].map((n) => pool.open({ ...OPEN, etlId: `etl-${n}` }));
      const chunks = segs.flatMap((seg, n) => [
        pool.chunk(seg, pack(deliveries([attackOf(10 * n + 1), attackOf(10 * n + 2)]))),
        pool.chunk(seg, pack(deliveries([attackOf(10 * n + 3)], { from: 2n }))),
      ]);
      await Promise.all(chunks);
      const files = await Promise.all(segs.reverse().map((seg) => pool.finish(seg, FINISH)));
      assert.deepEqual(await damages(files[2][0].bytes), [1n, 2n, 3n]);
      assert.deepEqual(await damages(files[1][0].bytes), [11n, 12n, 13n]);
      assert.deepEqual(await damages(files[0][0].bytes), [21n, 22n, 23n]);
    } finally {
      await pool.close();
    }
  });

  it('names each malformed record of a chunk by index and reason, and writes the others', async () => {
    const pool = new EtlPool();
    try {
      const seg = pool.open(OPEN);
      const r = await pool.chunk(
        seg,
        pack(deliveries([attackOf(1), 'not json', { level: 'INFO' }, attackOf(4)])),
      );
      assert.deepEqual(r.rejects, [
        [1, 'not_json'],
        [2, 'missing_field: log_message'],
      ]);
      assert.equal(r.firstTime, Date.UTC(2023, 8, 1, 12));
      const [game] = await pool.finish(seg, FINISH);
      assert.deepEqual(await damages(game.bytes), [1n, 4n]);
    } finally {
      await pool.close();
    }
  });

  it('keeps every row and null across the batches its builders are reused for (35,000 records)', async () => {
    const pool = new EtlPool();
    try {
      const seg = pool.open({ ...OPEN, tables: ['lib_server_game', 'buffer_meta'] });
      const n = 35_000; // more than two 16k batches of the thread's builders
      const records = Array.from({ length: n }, (_, i) => {
        const frame = attackFrame('2023-09-01T12:00:00Z', 'g', 'u', 'e', i, 100_000);
        // Every third attack has no enemy: nulls must land on exactly those rows after every reuse.
        if (i % 3 === 0) frame.STATUS.DETAILS.ENEMY_TOKEN = null as never;
        return envelope('kafka.lib.server.game', 'Attack Completed', '2023-09-01T12:00:00', pyDumps(frame));
      });
      for (let i = 0; i < n; i += 2048) {
        const part = deliveries(records.slice(i, i + 2048), { from: BigInt(i) });
        await pool.chunk(seg, pack(part));
      }
      const [buffer, game] = await pool.finish(seg, FINISH); // table order: buffer_meta first
      const file = (b: Uint8Array) =>
        b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
      const rows = await parquetReadObjects({ file: file(game.bytes), compressors });
      assert.equal(rows.length, n);
      rows.forEach((r, i) => {
        assert.equal(r.enemy_damage, BigInt(i), `row ${i}`);
        assert.equal(r.enemy_token, i % 3 === 0 ? null : 'e', `row ${i}`);
      });
      const offsets = (await parquetReadObjects({ file: file(buffer.bytes), compressors })).map(
        (r) => r.offset,
      );
      assert.deepEqual(
        offsets,
        Array.from({ length: n }, (_, i) => BigInt(i)),
      );
    } finally {
      await pool.close();
    }
  });

  it('rejects outstanding and later requests once closed', async () => {
    const pool = new EtlPool();
    const seg = pool.open(OPEN);
    const pending = assert.rejects(pool.chunk(seg, pack(deliveries([attack]))), /closed/);
    await pool.close();
    await pending;
    await assert.rejects(pool.finish(pool.open(OPEN), FINISH), /closed/);
    await pool.close(); // idempotent
  });

  it('a crashed ETL thread rejects the sink with HF_STORAGE_IO and commits nothing', async () => {
    const pool = new EtlPool(CRASHING);
    try {
      const r = recordedSink({ etl: pool });
      await r.sink.add(deliveries([attack, attack])).catch(() => {});
      await assert.rejects(r.sink.flush(), (err) => isHeroflowError(err, 'HF_STORAGE_IO'));
      await assert.rejects(r.sink.add(deliveries([attack])), (err) => isHeroflowError(err, 'HF_STORAGE_IO'));
      assert.equal(r.durable.length, 0);
      assert.deepEqual(await r.storage.list(''), []);
    } finally {
      await pool.close();
    }
  });

  it('is stopped by the sink that started it', async () => {
    const r = recordedSink();
    await r.sink.add(deliveries([attack]));
    await r.sink.close();
    assert.equal(r.durable.length, 1);
    const pool = (r.sink as unknown as { etl: EtlPool }).etl;
    await assert.rejects(pool.finish(pool.open(OPEN), FINISH), /closed/);
  });

  it('does not keep the process alive when a sink is left open', () => {
    // A child that fills a sink (the thread is started and busy) and never closes it must still exit.
    const sink = fileURLToPath(new URL('../../src/etl/sink.ts', import.meta.url));
    const storage = fileURLToPath(new URL('../../src/storage/memory.ts', import.meta.url));
    const script = `
      const { ParquetSink } = await import(${JSON.stringify(sink)});
      const { MemoryStorage } = await import(${JSON.stringify(storage)});
      const s = new ParquetSink({ storage: new MemoryStorage(), service: 'm', mode: 'Streaming',
        onDurable: async () => {}, onDeadLetter: async () => {} });
      const value = new TextEncoder().encode(${JSON.stringify(pyDumps(attack))});
      await s.add(Array.from({ length: 40000 }, (_, i) => ({ id: String(i), topic: 't', partition: 0,
        offset: BigInt(i), value, timestamp: 1693569600000 })));
      console.log('added');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /added/);
  });
});

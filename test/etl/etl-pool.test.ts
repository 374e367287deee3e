import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { tableToIPC } from 'apache-arrow';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { isHeroflowError } from '../../src/errors.js';
import { EncoderPool } from '../../src/etl/encoder-pool.js';
import { ETL_META, LIB_SERVER_GAME } from '../../src/etl/schemas.js';
import { TableBuilder } from '../../src/etl/table-builder.js';
import { attackFrame, deliveries, envelope, pyDumps } from './fixtures.js';
import { recordedSink } from './helpers.js';

/** An etl_meta chunk whose etl_id values are `ids`. */
function chunk(ids: string[]): Uint8Array {
  const b = new TableBuilder(ETL_META);
  for (const id of ids) {
    b.utf8('etl_id').append(id);
    b.utf8('service').append('s');
    b.utf8('mode').append('m');
    b.int64('timestamp_start').append(1);
    b.int64('timestamp_end').append(2);
  }
  return tableToIPC(b.finish(), 'stream');
}

async function ids(bytes: Uint8Array): Promise<unknown[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file, compressors })).map((r) => r.etl_id);
}

const attack = envelope(
  'kafka.lib.server.game',
  'Attack Completed',
  '2023-09-01T12:00:00',
  pyDumps(attackFrame('2023-09-01T12:00:00Z', 'g', 'u', 'e', 10, 100)),
);
const CRASHING = new URL('./crashing-encoder.ts', import.meta.url);

describe('EncoderPool', () => {
  it('keeps each file in append order, whatever order files are finished in', async () => {
    const pool = new EncoderPool();
    try {
      const a = pool.open(ETL_META, 'zstd');
      const b = pool.open(ETL_META, 'snappy');
      pool.append(a, chunk(['a1', 'a2']));
      pool.append(b, chunk(['b1']));
      pool.append(a, chunk(['a3']));
      pool.append(b, chunk(['b2', 'b3']));
      const [fb, fa] = await Promise.all([pool.finish(b), pool.finish(a)]);
      assert.deepEqual(await ids(fa), ['a1', 'a2', 'a3']);
      assert.deepEqual(await ids(fb), ['b1', 'b2', 'b3']);
    } finally {
      await pool.close();
    }
  });

  it('rejects finish when encoding fails, and keeps serving other files', async () => {
    const pool = new EncoderPool();
    try {
      const bad = pool.open(ETL_META, 'zstd');
      pool.append(bad, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
      await assert.rejects(pool.finish(bad), /Parquet encoding failed/);
      const good = pool.open(ETL_META, 'zstd');
      pool.append(good, chunk(['ok']));
      assert.deepEqual(await ids(await pool.finish(good)), ['ok']);
    } finally {
      await pool.close();
    }
  });

  it('rejects outstanding and later finishes once closed', async () => {
    const pool = new EncoderPool();
    const id = pool.open(ETL_META, 'zstd');
    pool.append(id, chunk(['x']));
    const pending = assert.rejects(pool.finish(id), /closed/);
    await pool.close();
    await pending;
    await assert.rejects(pool.finish(pool.open(ETL_META, 'zstd')), /closed/);
    await pool.close(); // idempotent
  });

  it('a crashed encoder thread rejects the sink with HF_STORAGE_IO and commits nothing', async () => {
    const pool = new EncoderPool(CRASHING);
    try {
      const r = recordedSink({ encoder: pool });
      await r.sink.add(deliveries([attack, attack]));
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
    const pool = (r.sink as unknown as { encoder: EncoderPool }).encoder;
    await assert.rejects(pool.finish(pool.open(LIB_SERVER_GAME, 'zstd')), /closed/);
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
      const value = new TextEncoder().encode(${JSON.stringify(attack)});
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

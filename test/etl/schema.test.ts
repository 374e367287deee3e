/**
 * What an independent reader (hyparquet, pure JS, not arrow-rs) sees in the files: every seed column with
 * its physical and logical type, timestamps as timestamps (incl. the timestamp('s') columns), and the
 * extremes of each integer type.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RepeatedUtf8 } from '../../src/etl/columns.js';
import { encodeParquet } from '../../src/etl/parquet.js';
import {
  BUFFER_META,
  type ColumnType,
  LIB_SERVER_GAME,
  LIB_SERVER_LOBBY,
  TABLES,
  type TableSpec,
} from '../../src/etl/schemas.js';
import { TableBuilder } from '../../src/etl/table-builder.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { readMetadata, readRows, writeAllTables } from './helpers.js';

const EXPECTED: Record<Exclude<ColumnType, 'list<utf8>'>, [string, unknown]> = {
  utf8: ['BYTE_ARRAY', { type: 'STRING' }],
  uint8: ['INT32', { type: 'INTEGER', bitWidth: 8, isSigned: false }],
  uint16: ['INT32', { type: 'INTEGER', bitWidth: 16, isSigned: false }],
  int16: ['INT32', { type: 'INTEGER', bitWidth: 16, isSigned: true }],
  uint64: ['INT64', { type: 'INTEGER', bitWidth: 64, isSigned: false }],
  bool: ['BOOLEAN', undefined],
  'timestamp[ms]': ['INT64', { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' }],
  // Parquet has no seconds: stored as milliseconds like PyArrow does, so readers still see a timestamp.
  'timestamp[s]': ['INT64', { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' }],
};

type Element = {
  name: string;
  type?: string;
  logical_type?: unknown;
  repetition_type?: string;
  num_children?: number;
};

function checkSchema(spec: TableSpec, schema: Element[]) {
  const top: Element[] = [];
  for (let i = 1; i < schema.length; i++) {
    top.push(schema[i]);
    if (schema[i].num_children) i += 2; // list → repeated group → item
  }
  assert.deepEqual(
    top.map((e) => e.name),
    spec.columns.map((c) => c.name),
    `${spec.name} column names`,
  );
  spec.columns.forEach((c, i) => {
    const e = top[i];
    assert.equal(e.repetition_type, 'OPTIONAL', `${spec.name}.${c.name} nullable`);
    if (c.type === 'list<utf8>') {
      assert.deepEqual(e.logical_type, { type: 'LIST' });
      const item = schema[schema.indexOf(e) + 2];
      assert.deepEqual([item.type, item.logical_type], ['BYTE_ARRAY', { type: 'STRING' }]);
      return;
    }
    assert.deepEqual([e.type, e.logical_type], EXPECTED[c.type], `${spec.name}.${c.name}`);
  });
}

describe('Parquet schema as hyparquet reads it', () => {
  it('has the seed columns and types in all five tables', async () => {
    const storage = new MemoryStorage();
    const files = await writeAllTables(storage);
    for (const spec of TABLES) {
      const path = files.find((f) => f.startsWith(`${spec.name}/`));
      assert.ok(path, `a ${spec.name} file`);
      checkSchema(spec, (await readMetadata(storage, path)).schema as Element[]);
    }
    const [game] = await readRows(storage, files.find((f) => f.startsWith('lib_server_game/'))!);
    assert.deepEqual(game.timestamp, new Date(Date.UTC(2023, 8, 1, 12, 0, 1)));
    const [lobby] = await readRows(storage, files.find((f) => f.startsWith('lib_server_lobby/'))!);
    assert.deepEqual(lobby.timestamp, new Date(Date.UTC(2023, 8, 1, 12)));
  });

  it('keeps min/max for times, numbers and tokens, and none for ids and free text', async () => {
    const storage = new MemoryStorage();
    const files = await writeAllTables(storage);
    const statistics = async (table: string) => {
      const meta = await readMetadata(storage, files.find((f) => f.startsWith(`${table}/`))!);
      return new Map(
        meta.row_groups[0].columns.map((c) => [
          c.meta_data!.path_in_schema.join('.'),
          c.meta_data!.statistics?.min_value !== undefined,
        ]),
      );
    };
    const game = await statistics('lib_server_game');
    for (const kept of ['timestamp', 'game_token', 'user_token', 'enemy_damage'])
      assert.equal(game.get(kept), true, `lib_server_game.${kept} has min/max`);
    for (const dropped of ['etl_id', 'msg_id', 'action', 'enemy_token'])
      assert.equal(game.get(dropped), false, `lib_server_game.${dropped} has none`);
    const buffer = await statistics('buffer_meta');
    assert.equal(buffer.get('offset'), true);
    assert.equal(buffer.get('msg_id'), false);

    // The fixture's records carry no headers (an empty list has no min/max anyway): one that does.
    const b = new TableBuilder(BUFFER_META);
    for (const c of BUFFER_META.columns) {
      if (c.type === 'list<utf8>') b.utf8List(c.name).append(['heroflow-msg-id=m-1', 'trace=abc']);
      else if (c.type === 'utf8') b.utf8(c.name).append('x');
      else if (c.type === 'uint64' || c.type.startsWith('timestamp')) b.int64(c.name).append(7n);
      else if (c.type === 'bool') b.bool(c.name).append(true);
      else b.fixed(c.name).append(7);
    }
    await storage.write('headers.parquet', encodeParquet(BUFFER_META, b.finish(), 'zstd'));
    const meta = await readMetadata(storage, 'headers.parquet');
    const stats = new Map(
      meta.row_groups[0].columns.map((c) => [c.meta_data!.path_in_schema.join('.'), c.meta_data!.statistics]),
    );
    assert.notEqual(stats.get('offset')?.min_value, undefined, 'buffer_meta.offset has min/max');
    assert.equal(stats.get('headers.list.item')?.min_value, undefined, 'buffer_meta.headers has none');
  });

  it('round-trips the extremes of every type, nulls included', async () => {
    const b = new TableBuilder(BUFFER_META);
    const rows = [
      { offset: 0n, partition: 0, size: -32768, ts: -1000, bool: true, headers: [] as string[], text: '' },
      {
        offset: 18446744073709551615n,
        partition: 255,
        size: 32767,
        ts: 253402300799999,
        bool: false,
        headers: ['a=b', 'ü=€'],
        text: 'héros 🦸',
      },
    ];
    for (const x of rows) {
      b.utf8('etl_id').append(x.text);
      b.utf8('msg_id').append('m');
      b.utf8('checksum').appendNull();
      b.utf8List('headers').append(x.headers);
      b.utf8('key').append(x.text);
      b.int64('offset').append(x.offset);
      b.fixed('partition').append(x.partition);
      b.fixed('serialized_key_size').append(x.size);
      b.fixed('serialized_value_size').appendNull();
      b.int64('timestamp').append(x.ts);
      b.fixed('timestamp_type').append(x.partition);
      b.utf8('topic').append('t');
      b.bool('_is_protocol').append(x.bool);
    }
    const storage = new MemoryStorage();
    await storage.write('b.parquet', encodeParquet(BUFFER_META, b.finish(), 'zstd'));
    const got = await readRows(storage, 'b.parquet');
    assert.deepEqual(
      got.map((r) => [
        r.etl_id,
        r.checksum,
        r.headers,
        r.offset,
        r.partition,
        r.serialized_key_size,
        r.serialized_value_size,
        r.timestamp,
        r._is_protocol,
      ]),
      rows.map((x) => [x.text, null, x.headers, x.offset, x.partition, x.size, null, new Date(x.ts), x.bool]),
    );

    const g = new TableBuilder(LIB_SERVER_GAME);
    const l = new TableBuilder(LIB_SERVER_LOBBY);
    for (const c of g.spec.columns) {
      if (c.type === 'uint64') g.int64(c.name).append(2n ** 64n - 1n);
      else if (c.type === 'timestamp[s]') g.int64(c.name).append(-86_400_000);
      else g.utf8(c.name).appendNull();
    }
    for (const c of l.spec.columns) {
      if (c.type === 'uint16') l.fixed(c.name).append(65535);
      else if (c.type === 'uint64') l.int64(c.name).append(Number.MAX_SAFE_INTEGER);
      else if (c.type === 'timestamp[s]') l.int64(c.name).appendNull();
      else l.utf8(c.name).append('x');
    }
    await storage.write('g.parquet', encodeParquet(LIB_SERVER_GAME, g.finish(), 'snappy'));
    await storage.write('l.parquet', encodeParquet(LIB_SERVER_LOBBY, l.finish(), 'zstd'));
    const [game] = await readRows(storage, 'g.parquet');
    assert.equal(game.enemy_damage, 2n ** 64n - 1n);
    assert.deepEqual(game.timestamp, new Date(-86_400_000));
    assert.equal(game.game_token, null);
    const [lobby] = await readRows(storage, 'l.parquet');
    assert.equal(lobby.superhero_id, 65535);
    assert.equal(lobby.superhero_health, BigInt(Number.MAX_SAFE_INTEGER));
    assert.equal(lobby.timestamp, null);
  });

  it('a constant column (etl_id, topic) reads back its value in every row, across growth, reset and two tables', async () => {
    const storage = new MemoryStorage();
    const id = new RepeatedUtf8('run-ü-🦸');
    const empty = new RepeatedUtf8('');
    const g = new TableBuilder(LIB_SERVER_GAME, { etl_id: id });
    const l = new TableBuilder(LIB_SERVER_LOBBY, { etl_id: id });
    assert.throws(() => new TableBuilder(LIB_SERVER_GAME, { enemy_damage: id }), /cannot be made constant/);
    const fill = (b: TableBuilder, rows: number, tag: string) => {
      for (let i = 0; i < rows; i++) {
        for (const c of b.spec.columns) {
          if (c.name === 'etl_id') (b.columns[b.spec.columns.indexOf(c)] as { append(): void }).append();
          else if (c.type === 'utf8') b.utf8(c.name).append(`${tag}${i}`);
          else if (c.type === 'uint16') b.fixed(c.name).append(i);
          else b.int64(c.name).append(i);
        }
      }
    };
    // 3 rows, then 1,000 (the layout grows past its first size), then, after a reset, 5 again.
    for (const [n, rows] of [
      [1, 3],
      [2, 1000],
      [3, 5],
    ] as const) {
      fill(g, rows, `g${n}-`);
      fill(l, 2, `l${n}-`);
      await storage.write(`g${n}.parquet`, encodeParquet(LIB_SERVER_GAME, g.finish(), 'zstd'));
      await storage.write(`l${n}.parquet`, encodeParquet(LIB_SERVER_LOBBY, l.finish(), 'zstd'));
      g.reset();
      l.reset();
      const game = await readRows(storage, `g${n}.parquet`);
      assert.equal(game.length, rows);
      assert.deepEqual(new Set(game.map((r) => r.etl_id)), new Set(['run-ü-🦸']));
      assert.equal(game.at(-1)?.msg_id, `g${n}-${rows - 1}`);
      const lobby = await readRows(storage, `l${n}.parquet`);
      assert.deepEqual(
        lobby.map((r) => r.etl_id),
        ['run-ü-🦸', 'run-ü-🦸'],
      );
    }
    const topic = new TableBuilder(BUFFER_META, { topic: empty }).constant('topic');
    assert.throws(() => topic.appendNull(), /has no nulls/);
  });
});

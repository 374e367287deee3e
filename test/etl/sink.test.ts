import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEADER_MSG_ID } from '../../src/brokers/types.js';
import { isHeroflowError } from '../../src/errors.js';
import { EtlPool } from '../../src/etl/etl-pool.js';
import type { PackedChunk } from '../../src/etl/packed.js';
import { PER_DELIVERY_OVERHEAD } from '../../src/etl/segment.js';
import { IN_FLIGHT_BYTES } from '../../src/etl/sink.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { attackRecord, deliveries, delivery, envelope, pyDumps, startFrame } from './fixtures.js';
import { allRows, readRows, recordedSink } from './helpers.js';

const GAME = 'a1a1a1a1-0000-4000-8000-000000000001';
const attack = (i: number) => attackRecord(GAME, `u${i}`);
const attacks = (n: number) => Array.from({ length: n }, (_, i) => attack(i));
const FILE0 = 'date=2023-09-01/lib.server.game+0000+00000000000000000000.parquet';

describe('ParquetSink', () => {
  it('writes the good messages around malformed ones and dead-letters the bad, logged once each', async () => {
    const r = recordedSink();
    const batch = deliveries([attack(0), 'not json', attack(2), pyDumps({ level: 'INFO' }), attack(4)]);
    await r.sink.add(batch);
    await r.sink.flush();

    assert.deepEqual(
      r.dlq.map((x) => [x.delivery.offset, x.reason]),
      [
        [1n, 'not_json'],
        [3n, 'missing_field: log_message'],
      ],
    );
    const warnings = r.logs.filter((l) => l.level === 'warn');
    assert.deepEqual(
      warnings.map((w) => [w.fields?.topic, w.fields?.partition, w.fields?.offset]),
      [
        ['lib.server.game', 0, '1'],
        ['lib.server.game', 0, '3'],
      ],
    );
    // Every delivery, bad ones included, is committed with the segment.
    assert.equal(r.durable.length, 1);
    assert.deepEqual(r.durable[0].deliveries, batch);
    const game = await readRows(r.storage, `lib_server_game/${FILE0}`);
    assert.deepEqual(
      game.map((row) => row.msg_id),
      ['lib.server.game/0@0', 'lib.server.game/0@2', 'lib.server.game/0@4'],
    );
    assert.equal((await readRows(r.storage, `buffer_meta/${FILE0}`)).length, 3);
    assert.equal(r.sink.stats().deadLetters, 2);
  });

  it('writes one row per participant of each Starting Match copy, and no file for an empty table', async () => {
    const heroes = [
      { token: 'u1', id: 1, attack: 26112, health: 3040000 },
      { token: 'u2', id: 732, attack: 1, health: 10 },
    ];
    const task = pyDumps(startFrame('2023-09-01T12:00:00Z', GAME, heroes));
    const start = envelope('kafka.lib.server.lobby', 'Starting Match', '2023-09-01T12:00:00.5', task);
    const r = recordedSink();
    // upstream logs Starting Match once per participant: both copies are kept, each with its own msg_id
    await r.sink.add(deliveries([start, start], { topic: 'lib.server.lobby', partition: 1 }));
    await r.sink.close();

    const lobby = await allRows(r.storage, 'lib_server_lobby');
    assert.deepEqual(
      lobby.map((x) => [x.msg_id, x.user_token, x.superhero_id, x.superhero_attack, x.superhero_health]),
      [
        ['lib.server.lobby/1@0', 'u1', 1, 26112n, 3040000n],
        ['lib.server.lobby/1@0', 'u2', 732, 1n, 10n],
        ['lib.server.lobby/1@1', 'u1', 1, 26112n, 3040000n],
        ['lib.server.lobby/1@1', 'u2', 732, 1n, 10n],
      ],
    );
    assert.deepEqual(await r.storage.list('lib_server_game/'), []);
    const files = r.durable[0].files.map((f) => f.split('/')[0]).sort();
    assert.deepEqual(files, ['buffer_meta', 'etl_meta', 'lib_server_lobby', 'log_meta']);
  });

  it('writes a participant without a hero with a null superhero_id, as upstream does', async () => {
    const heroes = [
      { token: 'u1', id: 1, attack: 26112, health: 3040000 },
      { token: 'u2', id: null, attack: 0, health: 0 },
    ];
    const task = pyDumps(startFrame('2023-09-01T12:00:00Z', GAME, heroes));
    const start = envelope('kafka.lib.server.lobby', 'Starting Match', '2023-09-01T12:00:00.5', task);
    const r = recordedSink();
    await r.sink.add(deliveries([start], { topic: 'lib.server.lobby' }));
    await r.sink.close();
    const lobby = await allRows(r.storage, 'lib_server_lobby');
    assert.deepEqual(
      lobby.map((x) => [x.user_token, x.superhero_id, x.superhero_attack]),
      [
        ['u1', 1, 26112n],
        ['u2', null, 0n],
      ],
    );
    assert.equal(r.dlq.length, 0);
  });

  it('dates a segment by its first record that parsed, even when the first delivery was malformed', async () => {
    // Broker time says 2024-01-01; the records say 2023-09-01: the folder must follow the records.
    const r = recordedSink();
    await r.sink.add(deliveries(['not json', attack(1)], { timestamp: Date.UTC(2024, 0, 1) }));
    await r.sink.close();
    assert.deepEqual(
      (await r.storage.list('lib_server_game/')).map((f) => f.split('/')[1]),
      ['date=2023-09-01'],
    );
  });

  it('fills buffer_meta, log_meta and etl_meta as upstream derives them', async () => {
    const r = recordedSink({ service: 'kafka', mode: 'Batch' });
    const d = delivery(pyDumps(attack(0)), {
      offset: 42n,
      partition: 3,
      key: 'k',
      headers: { a: 'b' },
      timestamp: 1693569600123,
    });
    await r.sink.add([d]);
    await r.sink.flush();
    const name = 'date=2023-09-01/lib.server.game+0003+00000000000000000042.parquet';
    const [buffer] = await readRows(r.storage, `buffer_meta/${name}`);
    const [etl] = await readRows(r.storage, `etl_meta/${name}`);
    assert.deepEqual(
      { ...buffer, etl_id: typeof buffer.etl_id },
      {
        etl_id: 'string',
        msg_id: 'lib.server.game/3@42',
        checksum: null,
        headers: ['a=b'],
        key: 'k',
        offset: 42n,
        partition: 3,
        serialized_key_size: 1,
        serialized_value_size: d.value.byteLength,
        timestamp: new Date(1693569600123),
        timestamp_type: 0,
        topic: 'lib.server.game',
        _is_protocol: false,
      },
    );
    const [log] = await readRows(r.storage, `log_meta/${name}`);
    assert.equal(log.etl_id, buffer.etl_id);
    assert.deepEqual(log.timestamp, new Date(Date.UTC(2023, 8, 1, 12)));
    assert.equal(etl.etl_id, buffer.etl_id);
    assert.equal(etl.service, 'kafka');
    assert.equal(etl.mode, 'Batch');
    assert.ok((etl.timestamp_start as Date) <= (etl.timestamp_end as Date));
  });

  it('rolls by rows, naming each file by its start offset, with a new etl_id per flush', async () => {
    const r = recordedSink({ roll: { maxRows: 3 } });
    await r.sink.add(deliveries(attacks(7)));
    await r.sink.drain();
    assert.deepEqual(
      r.durable.map((x) => x.deliveries.map((d) => d.offset)),
      [
        [0n, 1n, 2n],
        [3n, 4n, 5n],
      ],
    );
    assert.ok(
      r.durable[1].files.includes(
        'lib_server_game/date=2023-09-01/lib.server.game+0000+00000000000000000003.parquet',
      ),
    );
    await r.sink.flush();
    assert.equal(r.durable.length, 3);
    const etl = await allRows(r.storage, 'etl_meta');
    assert.equal(new Set(etl.map((x) => x.etl_id)).size, 3);
  });

  it('rolls by bytes', async () => {
    // The estimate per delivery: its value twice (kept + copied into columns) plus the fixed overhead.
    const perDelivery = 2 * deliveries(attacks(1))[0].value.byteLength + PER_DELIVERY_OVERHEAD;
    const r = recordedSink({ roll: { maxBytes: 3 * perDelivery - 1 } });
    await r.sink.add(deliveries(attacks(5)));
    await r.sink.drain();
    assert.deepEqual(
      r.durable.map((x) => x.deliveries.length),
      [3],
    );
    assert.equal(r.sink.stats().openBytes, 2 * perDelivery);
  });

  it("rolls open segments at half the subscription's window, so a queue broker never waits for the timer", async () => {
    const r = recordedSink();
    r.sink.limitHeld(10);
    await r.sink.add(deliveries(attacks(4)));
    assert.equal(r.durable.length, 0, 'below half the window nothing rolls');
    await r.sink.add(deliveries(attacks(5), { from: 4n }));
    await r.sink.drain();
    assert.deepEqual(
      r.durable.map((x) => x.deliveries.map((d) => d.offset)),
      [[0n, 1n, 2n, 3n, 4n]],
      'the fifth delivery (half of 10) rolls everything open',
    );
    assert.equal(r.sink.stats().openSegments, 1, 'offsets 5-8 stay open: the count started again');
    await r.sink.add(deliveries(attacks(1), { from: 9n }));
    await r.sink.drain();
    assert.deepEqual(
      r.durable.map((x) => x.deliveries.length),
      [5, 5],
    );
  });

  it('rolls by age on a timer even when no further message arrives', async () => {
    let durable!: () => void;
    const rolled = new Promise<void>((resolve) => {
      durable = resolve;
    });
    const r = recordedSink({ roll: { maxAgeMs: 30 }, onDurable: async () => durable() });
    // The sink's timer is unref'd (it must not keep a worker alive); this test keeps the loop running.
    const keepAlive = setInterval(() => {}, 1000);
    await r.sink.add(deliveries(attacks(2)));
    await rolled;
    clearInterval(keepAlive);
    assert.equal(r.sink.stats().openSegments, 0);
    assert.equal((await allRows(r.storage, 'lib_server_game')).length, 2);
  });

  it('over the memory budget, rolls the largest segment first', async () => {
    const value = deliveries(attacks(1))[0].value.byteLength;
    const r = recordedSink({ memoryBudgetBytes: 5 * (2 * value + PER_DELIVERY_OVERHEAD) - 1 });
    await r.sink.add([
      ...deliveries(attacks(3), { partition: 0 }),
      ...deliveries(attacks(1), { partition: 1 }),
      ...deliveries(attacks(1), { partition: 2 }),
    ]);
    await r.sink.drain();
    assert.equal(r.durable.length, 1);
    assert.equal(r.durable[0].deliveries[0].partition, 0);
    assert.equal(r.durable[0].deliveries.length, 3);
    assert.equal(r.sink.stats().openSegments, 2);
  });

  it('writes the same names when the same deliveries are replayed and cut differently', async () => {
    const storage = new MemoryStorage();
    const input = deliveries(attacks(10));
    const first = recordedSink({ roll: { maxRows: 10 } }, storage);
    await first.sink.add(input);
    await first.sink.close();
    // crash before the commit: the replay starts at the same offset, with a different roll size
    const replay = recordedSink({ roll: { maxRows: 4 } }, storage);
    await replay.sink.add(input);
    await replay.sink.close();

    assert.deepEqual(first.durable[0].files.sort(), replay.durable[0].files.sort());
    const ids = (await allRows(storage, 'buffer_meta')).map((x) => x.msg_id);
    assert.equal(ids.length, 10, 'no duplicate rows after the replay');
    assert.equal(new Set(ids).size, 10);
  });

  it('names segments of brokers without offsets by the first message id', async () => {
    const r = recordedSink();
    await r.sink.add([
      delivery(pyDumps(attack(0)), { topic: 'task_lib.server.game', headers: { [HEADER_MSG_ID]: 'm/1' } }),
      delivery(pyDumps(attack(1)), { topic: 'task_lib.server.game', headers: { [HEADER_MSG_ID]: 'm-2' } }),
    ]);
    await r.sink.flush();
    assert.deepEqual(await r.storage.list('log_meta/'), [
      'log_meta/date=2023-09-01/task_lib.server.game+0000+m_1.parquet',
    ]);
    const [row] = await readRows(
      r.storage,
      'buffer_meta/date=2023-09-01/task_lib.server.game+0000+m_1.parquet',
    );
    assert.equal(row.offset, null);
  });

  it('calls onDurable only after every storage.write resolved', async () => {
    const inner = new MemoryStorage();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const storage = Object.assign(Object.create(inner) as MemoryStorage, {
      write: async (path: string, data: Uint8Array) => {
        await gate;
        await inner.write(path, data);
      },
    });
    const seen: string[][] = [];
    const r = recordedSink(
      {
        onDurable: async (_d, files) => {
          for (const f of files) await inner.read(f); // throws if not written yet
          seen.push(files);
        },
      },
      storage,
    );
    await r.sink.add(deliveries(attacks(2)));
    const flushed = r.sink.flush();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(seen.length, 0);
    release();
    await flushed;
    assert.equal(seen.length, 1);
  });

  it('flushes or drops only the chosen partitions', async () => {
    const r = recordedSink();
    await r.sink.add([
      ...deliveries(attacks(2), { partition: 0 }),
      ...deliveries(attacks(2), { partition: 1 }),
    ]);
    await r.sink.flush((tp) => tp.partition === 1);
    assert.deepEqual(
      r.durable.map((x) => x.deliveries[0].partition),
      [1],
    );
    r.sink.drop((tp) => tp.partition === 0);
    await r.sink.close();
    assert.equal(r.durable.length, 1);
    assert.equal(r.sink.stats().openSegments, 0);
  });

  it('stops and reports HF_STORAGE_IO when a write fails, without committing', async () => {
    const storage = Object.assign(new MemoryStorage(), {
      write: async () => {
        throw new Error('disk full');
      },
    });
    const r = recordedSink({ roll: { maxRows: 2 } }, storage);
    // The roll runs behind add(): its failure surfaces at the next call, and every call after it.
    await r.sink.add(deliveries(attacks(3)));
    await assert.rejects(r.sink.drain(), (err) => isHeroflowError(err, 'HF_STORAGE_IO'));
    await assert.rejects(r.sink.add(deliveries(attacks(1), { from: 3n })), (err) =>
      isHeroflowError(err, 'HF_STORAGE_IO'),
    );
    await assert.rejects(r.sink.flush(), (err) => isHeroflowError(err, 'HF_STORAGE_IO'));
    assert.equal(r.durable.length, 0);
  });

  it('does not write a rolled segment of a partition dropped before its write started', async () => {
    // File writes wait for the gate: once the first has begun, segment +0 is mid-write, +5 queued behind.
    let open!: () => void;
    let began!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const writing = new Promise<void>((resolve) => {
      began = resolve;
    });
    class GatedStorage extends MemoryStorage {
      override async write(path: string, data: Uint8Array): Promise<void> {
        began();
        await gate;
        return super.write(path, data);
      }
    }
    const r = recordedSink({ roll: { maxRows: 5 } }, new GatedStorage());
    await r.sink.add(deliveries(attacks(10)));
    await writing;
    r.sink.drop(() => true); // the partition was lost
    open();
    await r.sink.flush();
    const files = await r.storage.list('lib_server_game/');
    assert.deepEqual(files, [`lib_server_game/${FILE0}`], 'the segment being written is; the next is not');
    assert.equal(r.durable.length, 1);
    assert.equal(r.sink.stats().segmentsSuperseded, 1);
  });

  it('does not write a segment that `superseded` says a newer owner wrote past, nor acknowledge it', async () => {
    const asked: (bigint | undefined)[] = [];
    const r = recordedSink({
      roll: { maxRows: 5 },
      superseded: async (first) => {
        asked.push(first.offset);
        return first.offset === 5n;
      },
    });
    await r.sink.add(deliveries(attacks(15)));
    await r.sink.flush();
    assert.deepEqual(asked, [0n, 5n, 10n], 'asked once per segment, by its first delivery');
    assert.deepEqual(
      (await r.storage.list('lib_server_game/')).map((f) => f.split('+').pop()),
      ['00000000000000000000.parquet', '00000000000000000010.parquet'],
    );
    assert.deepEqual(
      r.durable.map((d) => d.deliveries[0].offset),
      [0n, 10n],
    );
    assert.equal(r.sink.stats().segmentsSuperseded, 1);
  });

  it('holds add() while more than IN_FLIGHT_BYTES of packed records wait for the ETL thread', async () => {
    // A pool that posts (and so transfers) each chunk at once, as the real one does, but answers only
    // once the gate opens: a sink that measured a chunk after the transfer would see 0 bytes in flight.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    class SlowPool extends EtlPool {
      override chunk(seg: number, chunk: PackedChunk): ReturnType<EtlPool['chunk']> {
        const answer = super.chunk(seg, chunk);
        return gate.then(() => answer);
      }
    }
    const etl = new SlowPool();
    const r = recordedSink({ etl });
    const size = deliveries([attack(0)])[0].value.byteLength;
    const batch = deliveries(
      Array.from({ length: Math.ceil((IN_FLIGHT_BYTES * 1.5) / size) }, (_, i) => attack(i)),
    );
    let added = false;
    const adding = r.sink.add(batch).then(() => {
      added = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(added, false, 'add() waits for the thread to take what is in flight');
    open();
    await adding;
    await r.sink.close();
    await etl.close();
    assert.equal(r.sink.stats().messages, batch.length);
  });
});

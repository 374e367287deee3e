/** Test plumbing around ParquetSink: recorded callbacks, and Parquet read back with hyparquet (not parquet-wasm). */
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { Delivery } from '../../src/brokers/types.js';
import { ParquetSink, type ParquetSinkOptions, type RollPolicy } from '../../src/etl/sink.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { Storage } from '../../src/storage/types.js';
import { attackFrame, deliveries, envelope, pyDumps, startFrame } from './fixtures.js';

export interface Recorded {
  sink: ParquetSink;
  storage: Storage;
  durable: { deliveries: Delivery[]; files: string[] }[];
  dlq: { delivery: Delivery; reason: string }[];
  logs: { level: string; msg: string; fields?: Record<string, unknown> }[];
}

/** Sink options for a test: every one may be left out, and `roll` may give only the limit under test. */
export type TestSinkOptions = Omit<Partial<ParquetSinkOptions>, 'roll'> & { roll?: Partial<RollPolicy> };

export function recordedSink(over: TestSinkOptions = {}, storage: Storage = new MemoryStorage()): Recorded {
  const r: Omit<Recorded, 'sink'> = { storage, durable: [], dlq: [], logs: [] };
  const { roll, ...rest } = over;
  const sink = new ParquetSink({
    storage,
    service: 'memory',
    mode: 'Streaming',
    memoryBudgetBytes: 1 << 30,
    compression: 'zstd',
    onDurable: async (run, files) => {
      r.durable.push({ deliveries: run.deliveries ?? [], files });
    },
    onDeadLetter: async (delivery, reason) => {
      r.dlq.push({ delivery, reason });
    },
    log: (level, msg, fields) => r.logs.push({ level, msg, fields }),
    ...rest,
    roll: { maxRows: 1000, maxBytes: 1 << 30, maxAgeMs: 600_000, ...roll },
  });
  return { ...r, sink };
}

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export async function readRows(storage: Storage, path: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: arrayBuffer(await storage.read(path)), compressors });
}

export async function readMetadata(storage: Storage, path: string) {
  return parquetMetadata(arrayBuffer(await storage.read(path)));
}

export async function allRows(storage: Storage, table: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const path of await storage.list(`${table}/`)) rows.push(...(await readRows(storage, path)));
  return rows;
}

/** One `Starting Match` and one `Attack Completed` through a sink: a file in each of the five tables. */
export async function writeAllTables(storage: Storage): Promise<string[]> {
  const r = recordedSink({}, storage);
  const heroes = [{ token: 'u1', id: 5, attack: 7, health: 9 }];
  await r.sink.add([
    ...deliveries(
      [
        envelope(
          'l',
          'Starting Match',
          '2023-09-01T12:00:00',
          pyDumps(startFrame('2023-09-01T12:00:00Z', 'g', heroes)),
        ),
      ],
      { topic: 'lib.server.lobby' },
    ),
    ...deliveries([
      envelope(
        'g',
        'Attack Completed',
        '2023-09-01T12:00:00',
        pyDumps(attackFrame('2023-09-01T12:00:01Z', 'g', 'u1', 'u2', 7, 9)),
      ),
    ]),
  ]);
  await r.sink.close();
  return r.durable.flatMap((x) => x.files);
}

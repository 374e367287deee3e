/**
 * The lean record batch decoder (src/brokers/kafka/record-batch-decoder.ts) against kafkajs' own, on
 * batches kafkajs' own encoder writes: every field of every record must come out the same, on the lean
 * path and on each way off it (large bases and deltas, null keys, values and header names, repeated
 * headers, gzip, log-append time, control batches).
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import {
  kafkajsRecordBatchDecoder,
  leanDecoderInstalled,
  leanRecordBatchDecoder,
  type RecordBatchDecoder,
} from '../../src/brokers/kafka/record-batch-decoder.js';

const require = createRequire(import.meta.url);
const PROTOCOL = 'kafkajs/src/protocol';
const Decoder = require(`${PROTOCOL}/decoder`) as new (b: Buffer) => unknown;
const Encoder = require(`${PROTOCOL}/encoder`) as new () => {
  buffer: Buffer;
  writeInt32(n: number): unknown;
};
const { RecordBatch } = require(`${PROTOCOL}/recordBatch/v0`) as {
  RecordBatch(opts: Record<string, unknown>): Promise<{ buffer: Buffer }>;
};
const Record = require(`${PROTOCOL}/recordBatch/record/v0`) as (r: Record<string, unknown>) => unknown;
const Long = require('kafkajs/src/utils/long') as {
  fromString(s: string): unknown;
  fromValue(v: unknown): unknown;
};
const { Types } = require(`${PROTOCOL}/message/compression`) as { Types: { None: number; GZIP: number } };

interface RecordSpec {
  offsetDelta?: number;
  timestampDelta?: number | unknown;
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: Record<string, unknown>;
}

async function batchBytes(
  records: RecordSpec[],
  opts: { firstOffset?: string; firstTimestamp?: string | number; compression?: number } = {},
): Promise<Buffer> {
  const batch = await RecordBatch({
    compression: opts.compression ?? Types.None,
    firstOffset: Long.fromString(opts.firstOffset ?? '0'),
    firstTimestamp: opts.firstTimestamp ?? 1_700_000_000_000,
    maxTimestamp: 1_700_000_009_999,
    lastOffsetDelta: records.length - 1,
    records: records.map((r, i) => Record({ offsetDelta: i, ...r })),
  });
  return batch.buffer;
}

/** Both decoders on the same bytes; the lean one must give exactly what kafkajs gives. */
async function assertSame(bytes: Buffer): Promise<Awaited<ReturnType<RecordBatchDecoder>>> {
  const theirs = await kafkajsRecordBatchDecoder(new Decoder(bytes) as never);
  const ours = await leanRecordBatchDecoder(new Decoder(bytes) as never);
  assert.deepStrictEqual(ours, theirs);
  return ours;
}

const uuid = (i: number) => Buffer.from(`0000000${i}-1111-2222-3333-444455556666`.slice(-36));

test('kafkajs fetches through the lean decoder once the Kafka adapter is loaded', async () => {
  await import('../../src/brokers/kafka/index.js');
  assert.equal(leanDecoderInstalled(), true);
  assert.equal(require(`${PROTOCOL}/recordBatch/v0/decoder`), leanRecordBatchDecoder);
});

test('plain records with the msg-id header decode as kafkajs decodes them', async () => {
  const records: RecordSpec[] = Array.from({ length: 50 }, (_, i) => ({
    timestampDelta: i * 3,
    key: i % 3 === 0 ? null : Buffer.from(`game-${i}`),
    value: Buffer.from(JSON.stringify({ level: 'INFO', n: i })),
    headers: { 'heroflow-msg-id': uuid(i) },
  }));
  const out = await assertSame(await batchBytes(records, { firstOffset: '1042' }));
  assert.equal(out.records.length, 50);
  assert.equal(out.records[7].offset, '1049');
  assert.equal(out.records[7].timestamp, '1700000000021');
  assert.deepEqual(out.records[7].headers['heroflow-msg-id'], uuid(7));
});

test('records without headers, with null values, empty keys and negative timestamp deltas', async () => {
  await assertSame(
    await batchBytes([
      { value: null, key: Buffer.alloc(0) },
      { value: Buffer.from('x'), timestampDelta: -5 },
      { value: Buffer.alloc(0), timestampDelta: -1_700_000_000_000 },
    ]),
  );
});

test('repeated header names become arrays; empty, non-ASCII and __proto__ names decode as kafkajs decodes them', async () => {
  const out = await assertSame(
    await batchBytes([
      { value: Buffer.from('a'), headers: { trace: [Buffer.from('1'), Buffer.from('2'), Buffer.from('3')] } },
      { value: Buffer.from('b'), headers: { ünïcode: Buffer.from('v'), empty: Buffer.alloc(0) } },
      { value: Buffer.from('c'), headers: { ['__proto__']: Buffer.from('p') } },
    ]),
  );
  assert.equal((out.records[0].headers.trace as Buffer[]).length, 3);
  assert.equal(out.records[1].headers.empty?.toString(), '');
});

test('bases and deltas past 2^49 take kafkajs’ path and still agree', async () => {
  // An offset past 2^53 (where numbers lose digits) and a timestamp delta past 7 varint bytes.
  await assertSame(await batchBytes([{ value: Buffer.from('a') }], { firstOffset: '9007199254740993' }));
  await assertSame(
    await batchBytes([{ value: Buffer.from('a'), timestampDelta: Long.fromValue('1152921504606846976') }]),
  );
  await assertSame(await batchBytes([{ value: Buffer.from('a') }], { firstTimestamp: '-1' }));
});

test('a gzip batch decodes the same', async () => {
  const records = Array.from({ length: 20 }, (_, i) => ({
    value: Buffer.from(`{"i":${i}}`),
    headers: { 'heroflow-msg-id': uuid(i) },
  }));
  const out = await assertSame(await batchBytes(records, { compression: Types.GZIP, firstOffset: '77' }));
  assert.equal(out.records[19].offset, '96');
});

test('log-append time and control batches are marked as kafkajs marks them', async () => {
  const bytes = await batchBytes([{ value: Buffer.from('a'), timestampDelta: 4 }]);
  // The batch attributes (int16 after offset 8, length 4, epoch 4, magic 1, crc 4): set log-append time and control.
  const attributesAt = 8 + 4 + 4 + 1 + 4;
  const patched = Buffer.from(bytes);
  patched.writeInt16BE(patched.readInt16BE(attributesAt) | 0x08 | 0x20, attributesAt);
  const out = await assertSame(patched);
  assert.equal(out.records[0].timestamp, '1700000009999');
  assert.equal(out.records[0].isControlRecord, true);
});

test('a truncated batch is a partial message for both', async () => {
  const bytes = await batchBytes([{ value: Buffer.from('abcdef') }]);
  const cut = bytes.subarray(0, bytes.length - 3);
  await assert.rejects(kafkajsRecordBatchDecoder(new Decoder(cut) as never), {
    name: 'KafkaJSPartialMessageError',
  });
  await assert.rejects(leanRecordBatchDecoder(new Decoder(cut) as never), {
    name: 'KafkaJSPartialMessageError',
  });
});

test('a record whose fields run past its length falls back and decodes as kafkajs decodes it', async () => {
  // Encoded by hand: one record whose declared length is one byte short of its fields.
  const e = new Encoder() as unknown as {
    buffer: Buffer;
    writeVarInt(n: number): typeof e;
    writeInt8(n: number): typeof e;
    writeVarLong(n: number): typeof e;
    writeVarIntBytes(b: Buffer | null): typeof e;
  };
  e.writeInt8(0)
    .writeVarLong(0)
    .writeVarInt(0)
    .writeVarIntBytes(null)
    .writeVarIntBytes(Buffer.from('hi'))
    .writeVarInt(0);
  const body = e.buffer;
  const short = Buffer.concat([Buffer.from([(body.length - 1) << 1]), body]);
  const batch = await batchBytes([{ value: Buffer.from('hi') }]);
  // Swap the one well-formed record for the short one: same total size, so the batch length still holds.
  const recordsAt = batch.length - short.length;
  const patched = Buffer.concat([batch.subarray(0, recordsAt), short]);
  await assertSame(patched);
});

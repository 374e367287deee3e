/**
 * A leaner decoder for kafkajs' fetched record batches, installed in place of kafkajs' own
 * (`protocol/recordBatch/v0/decoder.js`) with the same output, record for record.
 *
 * Why: kafkajs decodes each record through a Buffer slice and a Decoder of its own, 64-bit `Long` objects
 * for the timestamp delta, the offset and the timestamp (each base re-parsed from its decimal text), and
 * a new object per header (an object spread per header). On one partition with the msg-id header that
 * was 18 % of the consuming thread, and its garbage most of the 16 % spent collecting (docs/performance.md,
 * session 18). This decoder reads the records where they lie in the batch, adds the deltas as numbers while
 * both bases are safe integers, and builds each header object once.
 *
 * Anything off that path decodes with kafkajs' own record decoder: a base or a delta past 2^49, a null
 * header name or `__proto__`, a record whose fields run past its length. kafkajs loads its batch decoder
 * only when a first fetch is decoded, so installing on import (before any consumer exists) is enough;
 * `leanDecoderInstalled()` says whether kafkajs took it. test/brokers/kafka-record-batch-decoder.test.ts
 * holds the two decoders side by side on batches kafkajs' own encoder wrote.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const PROTOCOL = 'kafkajs/src/protocol';

interface KafkaDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readAll(): Buffer;
  slice(size: number): KafkaDecoder;
  forward(size: number): void;
}
type DecoderClass = new (buffer: Buffer) => KafkaDecoder;
/** What kafkajs returns of a batch besides its records. */
type BatchContext = Record<string, unknown> & {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  timestampType: number;
  isControlBatch: boolean;
};
/** What each record carries of its batch. */
type RecordContext = BatchContext & { magicByte: number };
type Headers = Record<string, Buffer | null | (Buffer | null)[]>;
export interface DecodedRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  isControlRecord: boolean;
  batchContext: RecordContext;
}
type RecordDecoder = (decoder: KafkaDecoder, context: RecordContext) => DecodedRecord;
export type RecordBatchDecoder = (
  fetchDecoder: KafkaDecoder,
) => Promise<BatchContext & { records: DecodedRecord[] }>;

/** The parts of kafkajs the decoder uses, or undefined when a kafkajs release moved them. */
interface KafkajsInternals {
  Decoder: DecoderClass;
  KafkaJSPartialMessageError: new (message: string) => Error;
  lookupCodecByAttributes(attributes: number): { decompress(b: Buffer): Promise<Buffer> } | null;
  TimestampTypes: { LOG_APPEND_TIME: number; CREATE_TIME: number };
  kafkajsRecordDecoder: RecordDecoder;
  batchDecoderPath: string;
  decodeMessagesPath: string;
}
function kafkajsInternals(): KafkajsInternals | undefined {
  try {
    return {
      Decoder: require(`${PROTOCOL}/decoder`),
      KafkaJSPartialMessageError: require('kafkajs/src/errors').KafkaJSPartialMessageError,
      lookupCodecByAttributes: require(`${PROTOCOL}/message/compression`).lookupCodecByAttributes,
      TimestampTypes: require(`${PROTOCOL}/timestampTypes`),
      kafkajsRecordDecoder: require(`${PROTOCOL}/recordBatch/record/v0/decoder`),
      batchDecoderPath: require.resolve(`${PROTOCOL}/recordBatch/v0/decoder`),
      decodeMessagesPath: require.resolve(`${PROTOCOL}/requests/fetch/v4/decodeMessages`),
    };
  } catch {
    // Not installed (leanDecoderInstalled() says so, and its test fails): kafkajs decodes as it always did.
    return undefined;
  }
}
const internals = kafkajsInternals();
const { Decoder, KafkaJSPartialMessageError, lookupCodecByAttributes, TimestampTypes, kafkajsRecordDecoder } =
  internals ?? ({} as KafkajsInternals);

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;
/** Bases up to this add any delta of up to 2^49 exactly as numbers. */
const SAFE_BASE = 2 ** 52;

/** Where the varint readers below stopped: one module cursor instead of an object per record. */
let cursor = 0;

/** kafkajs' Decoder.readVarInt at `cursor`, its arithmetic kept (zigzag over a 32-bit sum). */
function varInt(buf: Buffer): number {
  let result = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = buf[cursor++];
    result += (byte & 0x7f) << shift;
    shift += 7;
  } while (byte >= 0x80);
  return (result >>> 1) ^ -(result & 1);
}

/** A zigzag varlong at `cursor` as a number, or undefined past 7 bytes (2^49): kafkajs' Long path then. */
function smallVarLong(buf: Buffer): number | undefined {
  let result = 0;
  let scale = 1;
  let byte: number;
  let bytes = 0;
  do {
    if (++bytes > 7) return undefined;
    byte = buf[cursor++];
    result += (byte & 0x7f) * scale;
    scale *= 128;
  } while (byte >= 0x80);
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}

/** A varint-sized byte string at `cursor` (null for length -1), as kafkajs' readVarIntBytes. */
function varBytes(buf: Buffer): Buffer | null {
  const len = varInt(buf);
  if (len === -1) return null;
  const bytes = buf.slice(cursor, cursor + len);
  cursor += len;
  return bytes;
}

/** Header names repeat on every record: the string of the last few names, found by their bytes. */
class NameCache {
  readonly #bytes: Buffer[] = [];
  readonly #names: string[] = [];
  name(buf: Buffer, start: number, end: number): string {
    const len = end - start;
    for (let i = 0; i < this.#bytes.length; i++) {
      const b = this.#bytes[i];
      if (b.length !== len) continue;
      let j = 0;
      while (j < len && b[j] === buf[start + j]) j++;
      if (j === len) return this.#names[i];
    }
    const name = buf.toString('utf8', start, end);
    if (this.#bytes.length === 8) {
      this.#bytes.shift();
      this.#names.shift();
    }
    this.#bytes.push(Buffer.from(buf.subarray(start, end)));
    this.#names.push(name);
    return name;
  }
}

/** kafkajs' header object: one value per name, an array for a repeated name. */
function addHeader(headers: Headers, name: string, value: Buffer | null): void {
  const had = headers[name];
  headers[name] = had === undefined ? value : Array.isArray(had) ? had.concat([value]) : [had, value];
}

/** Decodes `count` records from `buf` at `at`, as kafkajs' record decoder would. */
function decodeRecords(buf: Buffer, at: number, count: number, context: RecordContext): DecodedRecord[] {
  const records: DecodedRecord[] = new Array(count);
  const firstOffset = Number(context.firstOffset);
  const firstTimestamp = Number(context.firstTimestamp);
  const basesSafe =
    Number.isSafeInteger(firstOffset) &&
    Math.abs(firstOffset) < SAFE_BASE &&
    Number.isSafeInteger(firstTimestamp) &&
    Math.abs(firstTimestamp) < SAFE_BASE;
  const names = new NameCache();
  for (let i = 0; i < count; i++) {
    cursor = at;
    const length = varInt(buf);
    const start = cursor;
    at = start + length;
    records[i] =
      (basesSafe && leanRecord(buf, at, context, firstOffset, firstTimestamp, names)) ||
      kafkajsRecordDecoder(new Decoder(buf.slice(start, at)), context);
  }
  return records;
}

/** The record at `cursor` (ending at `end`) read in place, or undefined when it needs kafkajs' decoder. */
function leanRecord(
  buf: Buffer,
  end: number,
  context: RecordContext,
  firstOffset: number,
  firstTimestamp: number,
  names: NameCache,
): DecodedRecord | undefined {
  const attributes = (buf[cursor++] << 24) >> 24;
  const timestampDelta = smallVarLong(buf);
  if (timestampDelta === undefined) return undefined;
  const offsetDelta = varInt(buf);
  const key = varBytes(buf);
  const value = varBytes(buf);
  const headers: Headers = {};
  const count = varInt(buf);
  for (let h = 0; h < count; h++) {
    const nameLength = varInt(buf);
    // A null name, and __proto__ (an inherited property for `headers[name]`), are kafkajs' to decode.
    if (nameLength === -1 || (nameLength === 9 && buf.toString('latin1', cursor, cursor + 9) === '__proto__'))
      return undefined;
    const name = names.name(buf, cursor, cursor + nameLength);
    cursor += nameLength;
    addHeader(headers, name, varBytes(buf));
  }
  if (cursor > end) return undefined;
  const logAppend = context.timestampType === TimestampTypes.LOG_APPEND_TIME && context.maxTimestamp;
  return {
    magicByte: context.magicByte,
    attributes,
    timestamp: logAppend ? context.maxTimestamp : String(firstTimestamp + timestampDelta),
    offset: String(firstOffset + offsetDelta),
    key,
    value,
    headers,
    isControlRecord: context.isControlBatch,
    batchContext: context,
  };
}

/** kafkajs' RecordBatch v0 decoder (its header and checks as they are), with the records read above. */
export const leanRecordBatchDecoder: RecordBatchDecoder = async (fetchDecoder) => {
  const firstOffset = fetchDecoder.readInt64().toString();
  const length = fetchDecoder.readInt32();
  const decoder = fetchDecoder.slice(length);
  fetchDecoder.forward(length);
  const remainingBytes = Buffer.byteLength(decoder.buffer);
  if (remainingBytes < length) {
    throw new KafkaJSPartialMessageError(
      `Tried to decode a partial record batch: remainingBytes(${remainingBytes}) < recordBatchLength(${length})`,
    );
  }
  const partitionLeaderEpoch = decoder.readInt32();
  const magicByte = decoder.readInt8();
  decoder.readInt32(); // CRC, which kafkajs does not check either
  const attributes = decoder.readInt16();
  const lastOffsetDelta = decoder.readInt32();
  const firstTimestamp = decoder.readInt64().toString();
  const maxTimestamp = decoder.readInt64().toString();
  const producerId = decoder.readInt64().toString();
  const producerEpoch = decoder.readInt16();
  const firstSequence = decoder.readInt32();
  const recordContext = {
    firstOffset,
    firstTimestamp,
    partitionLeaderEpoch,
    inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
    isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
    lastOffsetDelta,
    producerId,
    producerEpoch,
    firstSequence,
    maxTimestamp,
    timestampType:
      (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0
        ? TimestampTypes.LOG_APPEND_TIME
        : TimestampTypes.CREATE_TIME,
  };
  const context: RecordContext = { ...recordContext, magicByte };
  const codec = lookupCodecByAttributes(attributes);
  const count = decoder.readInt32();
  let records: DecodedRecord[];
  if (!codec) records = count === -1 ? [] : decodeRecords(decoder.buffer, decoder.offset, count, context);
  else if (count <= 0) records = [];
  else records = decodeRecords(await codec.decompress(decoder.readAll()), 0, count, context);
  return { ...recordContext, records };
};

/**
 * Puts the lean decoder where kafkajs' fetch decoding will require it: kafkajs' module is loaded, then its
 * exports replaced (Node's module record stays as Node made it). Returns kafkajs' own, and whether the
 * swap took: not when kafkajs had decoded a fetch before, as its fetch decoding keeps what it required.
 */
function install(): { kafkajs?: RecordBatchDecoder; took: boolean } {
  if (!internals) return { took: false };
  const fetchLoaded = require.cache[internals.decodeMessagesPath] !== undefined;
  const kafkajs = require(internals.batchDecoderPath) as RecordBatchDecoder;
  const cached = require.cache[internals.batchDecoderPath];
  if (cached) cached.exports = leanRecordBatchDecoder;
  return { kafkajs, took: !fetchLoaded && cached !== undefined };
}

const swap = install();
/** True when kafkajs decodes fetched batches with the lean decoder. */
export const leanDecoderInstalled = (): boolean => swap.took;
/** kafkajs' own batch decoder, for the tests that hold the two side by side. */
export const kafkajsRecordBatchDecoder = swap.kafkajs as RecordBatchDecoder;

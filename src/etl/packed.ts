/**
 * Deliveries packed for the ETL thread (etl-thread.ts): what the rows need of each delivery, in two
 * transferable buffers, so a batch crosses to the other core without a copy or an object per message.
 *
 *   meta   Float64Array, STRIDE numbers per record (the F_* fields below)
 *   bytes  the value, key, msg_id and header entries of every record; meta holds [start, end) spans.
 *          Header entries are `name=value` in UTF-8, each behind a 4-byte little-endian length.
 *
 * The main thread packs (sink.ts); the thread reads records by index with the accessors below.
 */
import { type Delivery, HEADER_MSG_ID, positionId } from '../brokers/types.js';

export const STRIDE = 12;
/** Broker timestamp, epoch ms. */
export const F_TIME = 0;
/** The offset as a number; -1 without one; -2 when it is past 2^53 (its decimal text is at F_ID1..F_X). */
export const F_OFFSET = 1;
export const F_PARTITION = 2;
export const F_VALUE = 3;
export const F_VALUE_END = 4;
/** -1 for no key. */
export const F_KEY = 5;
export const F_KEY_END = 6;
export const F_HEADERS = 7;
export const F_HEADERS_END = 8;
export const F_ID = 9;
export const F_ID_END = 10;
/** End of the offset's decimal text (which starts at F_ID_END) when F_OFFSET is -2. */
export const F_X = 11;

export interface PackedChunk {
  count: number;
  meta: Float64Array;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Fills one chunk; `take()` hands it over (its buffers are then the receiver's) and starts a new one. */
export class ChunkPacker {
  private meta = new Float64Array(STRIDE * 256);
  // Small to start: a worker has one packer per open partition segment, and it grows to its chunk size.
  private bytes = new Uint8Array(64 * 1024);
  private at = 0;
  count = 0;

  /** Bytes used so far (for back-pressure accounting). */
  get byteLength(): number {
    return this.at + this.count * STRIDE * 8;
  }

  /**
   * `keySize` is the UTF-8 size of the key (-1 without). The msg_id follows record.ts `messageId`: the
   * msg-id header, else the position `topic/partition@offset`, else the delivery id; written here as
   * bytes, so a record costs no string (raw key and header bytes are copied as the client gave them).
   */
  pack(d: Delivery, keySize: number): void {
    if ((this.count + 1) * STRIDE > this.meta.length) {
      const next = new Float64Array(this.meta.length * 2);
      next.set(this.meta);
      this.meta = next;
    }
    const rawHeaders = asciiHeaders(d.rawHeaders);
    const headers = rawHeaders === undefined ? d.headers : undefined;
    const offset = d.offset;
    const position = offset !== undefined && offset >= 0n && offset <= SAFE;
    // Without a msg-id header and without a safe position: the id as text (a stream id, a delivery tag).
    const idText =
      rawHeaders?.[HEADER_MSG_ID] !== undefined || headers?.[HEADER_MSG_ID] !== undefined || position
        ? undefined
        : offset === undefined
          ? d.id
          : positionId(d.topic, d.partition, offset);
    let room = d.value.byteLength + Math.max(keySize, 0) + 48 + 3 * (d.topic.length + (idText?.length ?? 0));
    if (rawHeaders !== undefined)
      for (const name in rawHeaders) room += 3 * name.length + 2 * rawHeaders[name].byteLength + 5;
    else if (headers !== undefined)
      for (const name in headers) room += 6 * (name.length + headers[name].length) + 5;
    this.reserve(room);
    const m = this.meta;
    const b = this.bytes;
    const base = this.count * STRIDE;
    m[base + F_TIME] = d.timestamp;
    m[base + F_PARTITION] = d.partition;
    let at = this.at;
    m[base + F_VALUE] = at;
    b.set(d.value, at);
    at += d.value.byteLength;
    m[base + F_VALUE_END] = at;
    const rawKey = isAscii(d.rawKey) ? d.rawKey : undefined;
    const key = rawKey === undefined ? d.key : undefined;
    if (rawKey === undefined && key === undefined) {
      m[base + F_KEY] = -1;
      m[base + F_KEY_END] = -1;
    } else {
      m[base + F_KEY] = at;
      if (rawKey !== undefined) {
        b.set(rawKey, at);
        at += rawKey.byteLength;
      } else at += writeAscii(key as string, b, at);
      m[base + F_KEY_END] = at;
    }
    m[base + F_HEADERS] = at;
    let msgId: Uint8Array | string | undefined;
    if (rawHeaders !== undefined) {
      for (const name in rawHeaders) {
        const len = at;
        at += 4;
        at += writeAscii(name, b, at);
        b[at++] = 0x3d; // '='
        const value = rawHeaders[name];
        const valueAt = at;
        b.set(value, at);
        at += value.byteLength;
        if (name === HEADER_MSG_ID) msgId = b.subarray(valueAt, at);
        writeLength(b, len, at - len - 4);
      }
    } else if (headers !== undefined) {
      for (const name in headers) {
        const len = at;
        at += 4;
        at += writeAscii(name, b, at);
        b[at++] = 0x3d; // '='
        at += writeAscii(headers[name], b, at);
        writeLength(b, len, at - len - 4);
      }
      msgId = headers[HEADER_MSG_ID];
    }
    m[base + F_HEADERS_END] = at;
    m[base + F_ID] = at;
    if (msgId instanceof Uint8Array) {
      b.copyWithin(at, msgId.byteOffset - b.byteOffset, msgId.byteOffset - b.byteOffset + msgId.byteLength);
      at += msgId.byteLength;
    } else if (msgId !== undefined) at += writeAscii(msgId, b, at);
    else if (idText !== undefined) at += writeAscii(idText, b, at);
    else {
      at += writeAscii(d.topic, b, at);
      b[at++] = 0x2f; // '/'
      at += writeDigits(d.partition, b, at);
      b[at++] = 0x40; // '@'
      at += writeDigits(Number(offset), b, at);
    }
    m[base + F_ID_END] = at;
    if (offset === undefined) m[base + F_OFFSET] = -1;
    else if (position) m[base + F_OFFSET] = Number(offset);
    else {
      m[base + F_OFFSET] = -2;
      at += writeAscii(offset.toString(), b, at);
      m[base + F_X] = at;
    }
    this.at = at;
    this.count++;
  }

  /** The chunk so far, as buffers that own their memory (transferable); the packer starts empty. */
  take(): PackedChunk {
    const chunk: PackedChunk = {
      count: this.count,
      meta: this.meta.slice(0, this.count * STRIDE),
      bytes: this.bytes.slice(0, this.at),
    };
    this.count = 0;
    this.at = 0;
    return chunk;
  }

  private reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    next.set(this.bytes.subarray(0, this.at));
    this.bytes = next;
  }
}

/**
 * Whether raw bytes can be copied as they are: ASCII is valid UTF-8 whatever the client did. Anything else
 * goes through the decoded string (as before raw bytes existed), so invalid UTF-8 never reaches a column.
 */
export function isAscii(bytes: Uint8Array | undefined): bytes is Uint8Array {
  if (bytes === undefined) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return false;
  return true;
}

function asciiHeaders(raw: Readonly<Record<string, Uint8Array>> | undefined) {
  if (raw === undefined) return undefined;
  for (const name in raw) if (!isAscii(raw[name])) return undefined;
  return raw;
}

/** A 4-byte little-endian length at `at`. */
function writeLength(b: Uint8Array, at: number, n: number): void {
  b[at] = n & 0xff;
  b[at + 1] = (n >> 8) & 0xff;
  b[at + 2] = (n >> 16) & 0xff;
  b[at + 3] = n >>> 24;
}

/** A non-negative safe integer's decimal digits at `at`; returns how many. */
function writeDigits(n: number, b: Uint8Array, at: number): number {
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let i = digits - 1, x = n; i >= 0; i--, x = Math.floor(x / 10)) b[at + i] = 0x30 + (x % 10);
  return digits;
}

/** A string into `b` at `at` (ASCII by a loop, anything else by encodeInto); returns the bytes written. */
function writeAscii(s: string, b: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(s, b.subarray(at)).written;
    b[at + i] = c;
  }
  return s.length;
}

const decoder = new TextDecoder();

/** The msg_id of record `i` as a string (the generic path and error messages need one). */
export function packedMsgId(c: PackedChunk, i: number): string {
  const m = c.meta;
  return decoder.decode(c.bytes.subarray(m[i * STRIDE + F_ID], m[i * STRIDE + F_ID_END]));
}

/** The offset of record `i`: a number when safe, a bigint past 2^53, undefined without one. */
export function packedOffset(c: PackedChunk, i: number): number | bigint | undefined {
  const m = c.meta;
  const o = m[i * STRIDE + F_OFFSET];
  if (o >= 0) return o;
  if (o === -1) return undefined;
  return BigInt(decoder.decode(c.bytes.subarray(m[i * STRIDE + F_ID_END], m[i * STRIDE + F_X])));
}

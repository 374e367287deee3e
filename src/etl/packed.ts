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
import type { Delivery } from '../brokers/types.js';

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

  /** `keySize` is the UTF-8 size of `d.key` (-1 without); `msgId` the record's msg_id. */
  pack(d: Delivery, keySize: number, msgId: string): void {
    if ((this.count + 1) * STRIDE > this.meta.length) {
      const next = new Float64Array(this.meta.length * 2);
      next.set(this.meta);
      this.meta = next;
    }
    let room = d.value.byteLength + Math.max(keySize, 0) + 3 * msgId.length + 24;
    const headers = d.headers;
    if (headers !== undefined)
      for (const name in headers) room += 3 * (name.length + headers[name].length) + 5;
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
    if (d.key === undefined) {
      m[base + F_KEY] = -1;
      m[base + F_KEY_END] = -1;
    } else {
      m[base + F_KEY] = at;
      at += writeAscii(d.key, b, at);
      m[base + F_KEY_END] = at;
    }
    m[base + F_HEADERS] = at;
    if (headers !== undefined) {
      for (const name in headers) {
        const len = at;
        at += 4;
        at += writeAscii(name, b, at);
        b[at++] = 0x3d; // '='
        at += writeAscii(headers[name], b, at);
        const n = at - len - 4;
        b[len] = n & 0xff;
        b[len + 1] = (n >> 8) & 0xff;
        b[len + 2] = (n >> 16) & 0xff;
        b[len + 3] = n >>> 24;
      }
    }
    m[base + F_HEADERS_END] = at;
    m[base + F_ID] = at;
    at += writeAscii(msgId, b, at);
    m[base + F_ID_END] = at;
    const offset = d.offset;
    if (offset === undefined) m[base + F_OFFSET] = -1;
    else if (offset <= SAFE && offset >= 0n) m[base + F_OFFSET] = Number(offset);
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

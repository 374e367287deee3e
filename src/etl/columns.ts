/**
 * Column builders that fill Arrow's value / offset / validity buffers directly and hand them to
 * `makeData`. apache-arrow's `vectorFromArray` builds the same vectors about 3× slower end to end
 * (reference/dependencies.md), mostly in strings and booleans, so the hot path never goes through it.
 *
 * One builder per Arrow type; `makeColumn` picks it from a schema's column type. Buffers grow by
 * doubling; `finish` returns Data over views of them (no copy); `reset` starts again in the same buffers
 * once that Data has been copied out (IPC), so a long-lived builder stops allocating.
 * The validity bitmap is only allocated at the first null, so all-valid columns carry none.
 */
import { type Data, type DataType, makeData } from 'apache-arrow';
import type { ColumnType } from './schemas.js';

const INITIAL_ROWS = 256;
const TWO_32 = 4294967296;

/** Bit-packed validity, LSB first as Arrow wants it; absent until the first null. */
class Validity {
  bits: Uint8Array | null = null;
  nulls = 0;

  setNull(row: number, capacity: number): void {
    if (this.bits === null) {
      // Everything before the first null was valid.
      this.bits = new Uint8Array(Math.ceil(capacity / 8));
      this.bits.fill(0xff);
    }
    this.grow(capacity);
    this.bits[row >> 3] &= ~(1 << (row & 7));
    this.nulls++;
  }

  /** Keeps the bitmap sized for `capacity` rows; new bytes start valid. */
  grow(capacity: number): void {
    if (this.bits === null || this.bits.length * 8 >= capacity) return;
    const next = new Uint8Array(Math.ceil(capacity / 8) * 2);
    next.fill(0xff);
    next.set(this.bits);
    this.bits = next;
  }

  bitmap(length: number): Uint8Array | undefined {
    return this.bits === null ? undefined : this.bits.subarray(0, Math.ceil(length / 8));
  }
}

export abstract class Column {
  length = 0;
  protected readonly validity = new Validity();
  abstract appendNull(): void;
  /** Bytes held by the used part of the buffers (for the memory budget). */
  abstract byteLength(): number;
  abstract finish(type: DataType): Data;
  protected markNull(capacity: number): void {
    this.validity.setNull(this.length, capacity);
  }
  /**
   * Empties the column and keeps its buffers for the next rows. Only once the Data of `finish` is no
   * longer read (the ETL thread copies it into IPC first): it is a view of these buffers.
   */
  reset(): void {
    this.length = 0;
    this.validity.bits = null;
    this.validity.nulls = 0;
  }
}

type FixedArray = Uint8Array | Uint16Array | Int16Array;
type FixedCtor = Uint8ArrayConstructor | Uint16ArrayConstructor | Int16ArrayConstructor;

/** uint8, uint16, int16: one typed array element per row. Range checks belong to the caller. */
export class FixedColumn extends Column {
  private values: FixedArray;
  constructor(private readonly Ctor: FixedCtor) {
    super();
    this.values = new Ctor(INITIAL_ROWS);
  }
  append(value: number): void {
    if (this.length === this.values.length) this.grow();
    this.values[this.length++] = value;
  }
  appendNull(): void {
    if (this.length === this.values.length) this.grow();
    this.markNull(this.values.length);
    this.values[this.length++] = 0;
  }
  private grow(): void {
    const next = new this.Ctor(this.values.length * 2);
    next.set(this.values);
    this.values = next;
    this.validity.grow(next.length);
  }
  byteLength(): number {
    return this.length * this.values.BYTES_PER_ELEMENT;
  }
  finish(type: DataType): Data {
    const { length } = this;
    return makeData({
      type,
      length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bitmap(length),
      data: this.values.subarray(0, length),
    } as never);
  }
}

/**
 * 64-bit columns (uint64, timestamps). Numbers are written as two 32-bit halves: `BigInt(n)` per row
 * would allocate. Little-endian, as Arrow JS itself assumes. BigInts go through the 64-bit view.
 */
export class Int64Column extends Column {
  private words = new Uint32Array(INITIAL_ROWS * 2);
  private big: BigInt64Array | BigUint64Array;
  constructor(private readonly signed: boolean) {
    super();
    this.big = this.bigView();
  }
  private bigView(): BigInt64Array | BigUint64Array {
    return this.signed ? new BigInt64Array(this.words.buffer) : new BigUint64Array(this.words.buffer);
  }
  /** `value` must be an integer: ≥ 0 for unsigned, and a safe integer when it is a number. */
  append(value: number | bigint): void {
    if (this.length * 2 === this.words.length) this.grow();
    const i = this.length++;
    if (typeof value === 'bigint') {
      this.big[i] = value;
      return;
    }
    const hi = Math.floor(value / TWO_32);
    this.words[2 * i] = value - hi * TWO_32;
    this.words[2 * i + 1] = hi; // a negative hi wraps to its two's complement, which is what we want
  }
  appendNull(): void {
    if (this.length * 2 === this.words.length) this.grow();
    this.markNull(this.words.length / 2);
    const i = this.length++;
    this.words[2 * i] = 0;
    this.words[2 * i + 1] = 0;
  }
  private grow(): void {
    const next = new Uint32Array(this.words.length * 2);
    next.set(this.words);
    this.words = next;
    this.big = this.bigView();
    this.validity.grow(next.length / 2);
  }
  byteLength(): number {
    return this.length * 8;
  }
  finish(type: DataType): Data {
    const { length } = this;
    const data = this.signed
      ? new BigInt64Array(this.words.buffer, 0, length)
      : new BigUint64Array(this.words.buffer, 0, length);
    return makeData({
      type,
      length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bitmap(length),
      data,
    } as never);
  }
}

/** Bit-packed booleans. */
export class BoolColumn extends Column {
  private bits = new Uint8Array(INITIAL_ROWS / 8);
  append(value: boolean): void {
    if (this.length === this.bits.length * 8) this.grow();
    if (value) this.bits[this.length >> 3] |= 1 << (this.length & 7);
    this.length++;
  }
  appendNull(): void {
    if (this.length === this.bits.length * 8) this.grow();
    this.markNull(this.bits.length * 8);
    this.length++;
  }
  private grow(): void {
    const next = new Uint8Array(this.bits.length * 2);
    next.set(this.bits);
    this.bits = next;
    this.validity.grow(next.length * 8);
  }
  override reset(): void {
    super.reset();
    this.bits.fill(0);
  }
  byteLength(): number {
    return Math.ceil(this.length / 8);
  }
  finish(type: DataType): Data {
    const { length } = this;
    return makeData({
      type,
      length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bitmap(length),
      data: this.bits.subarray(0, Math.ceil(length / 8)),
    } as never);
  }
}

const encoder = new TextEncoder();

/**
 * utf8: bytes straight into the value buffer plus Int32 offsets. Most values here are short ASCII (uuids,
 * levels, topic names), for which a char loop beats the native `encodeInto` call; a value equal to the
 * previous one (a level, a logger name) copies the previous bytes. Anything else goes to `encodeInto`.
 */
export class Utf8Column extends Column {
  private offsets = new Int32Array(INITIAL_ROWS + 1);
  private bytes = new Uint8Array(INITIAL_ROWS * 32);
  private end = 0;
  private last: string | undefined;

  append(value: string): void {
    if (this.length + 1 === this.offsets.length) this.growOffsets();
    const n = value.length;
    // UTF-16 → UTF-8 is at most 3 bytes per code unit; make room for the worst case.
    if (this.end + n * 3 > this.bytes.length) this.growBytes(this.end + n * 3);
    const bytes = this.bytes;
    const start = this.end;
    if (value === this.last) {
      const prev = this.offsets[this.length - 1];
      const len = start - prev;
      for (let i = 0; i < len; i++) bytes[start + i] = bytes[prev + i];
      this.end = start + len;
    } else {
      this.end =
        n <= 64
          ? this.writeShort(value, start)
          : start + encoder.encodeInto(value, bytes.subarray(start)).written;
      this.last = value;
    }
    this.offsets[++this.length] = this.end;
  }
  /** The bytes b[start, end), already valid UTF-8 (the record scanner only hands out ASCII spans). */
  appendBytes(b: Uint8Array, start: number, end: number): void {
    if (this.length + 1 === this.offsets.length) this.growOffsets();
    const n = end - start;
    if (this.end + n > this.bytes.length) this.growBytes(this.end + n);
    const bytes = this.bytes;
    const at = this.end;
    if (n <= 48) for (let i = 0; i < n; i++) bytes[at + i] = b[start + i];
    else bytes.set(b.subarray(start, end), at);
    this.end = at + n;
    this.offsets[++this.length] = this.end;
    this.last = undefined;
  }
  private writeShort(value: string, start: number): number {
    const bytes = this.bytes;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return start + encoder.encodeInto(value, bytes.subarray(start)).written;
      bytes[start + i] = c;
    }
    return start + value.length;
  }
  appendNull(): void {
    if (this.length + 1 === this.offsets.length) this.growOffsets();
    this.markNull(this.offsets.length - 1);
    this.offsets[++this.length] = this.end;
    this.last = undefined;
  }
  private growOffsets(): void {
    const next = new Int32Array((this.offsets.length - 1) * 2 + 1);
    next.set(this.offsets);
    this.offsets = next;
    this.validity.grow(next.length - 1);
  }
  private growBytes(min: number): void {
    const next = new Uint8Array(Math.max(min, this.bytes.length * 2));
    next.set(this.bytes.subarray(0, this.end));
    this.bytes = next;
  }
  override reset(): void {
    super.reset();
    this.end = 0;
    this.last = undefined;
  }
  byteLength(): number {
    return this.end + (this.length + 1) * 4;
  }
  finish(type: DataType): Data {
    const { length } = this;
    return makeData({
      type,
      length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bitmap(length),
      valueOffsets: this.offsets.subarray(0, length + 1),
      data: this.bytes.subarray(0, this.end),
    } as never);
  }
}

/**
 * The bytes and offsets of one utf8 value repeated row after row, laid out once and grown by doubling.
 * Every constant column of a segment with that value (etl_id in all four tables) reads the same layout,
 * so the rows of a part cost nothing per row and one copy per segment instead of one per table.
 */
export class RepeatedUtf8 {
  private readonly value: Uint8Array;
  private offsets = new Int32Array(1);
  private bytes = new Uint8Array(0);
  private rows = 0;

  constructor(readonly text: string) {
    this.value = encoder.encode(text);
  }

  /** Offsets and bytes for `length` rows: views of the layout (valid while the caller reads them). */
  layout(length: number): { offsets: Int32Array; bytes: Uint8Array } {
    if (length > this.rows) this.grow(Math.max(length, this.rows * 2, INITIAL_ROWS));
    const width = this.value.length;
    return { offsets: this.offsets.subarray(0, length + 1), bytes: this.bytes.subarray(0, length * width) };
  }

  byteLength(): number {
    return this.offsets.byteLength + this.bytes.byteLength;
  }

  private grow(rows: number): void {
    const width = this.value.length;
    // New arrays, not a resize: a part being encoded may still read views of the old ones.
    const offsets = new Int32Array(rows + 1);
    for (let i = 1; i <= rows; i++) offsets[i] = i * width;
    const bytes = new Uint8Array(rows * width);
    if (width > 0) {
      bytes.set(this.value);
      for (let filled = width; filled < bytes.length; filled *= 2) bytes.copyWithin(filled, 0, filled);
    }
    this.offsets = offsets;
    this.bytes = bytes;
    this.rows = rows;
  }
}

/** utf8 where every row holds the same value (RepeatedUtf8): appending a row only counts it. */
export class ConstantUtf8Column extends Column {
  constructor(readonly repeated: RepeatedUtf8) {
    super();
  }
  append(): void {
    this.length++;
  }
  appendNull(): never {
    throw new TypeError(`a constant column ("${this.repeated.text}") has no nulls`);
  }
  /** Nothing per row: the layout is the segment's, counted once by its owner. */
  byteLength(): number {
    return 0;
  }
  finish(type: DataType): Data {
    const { length } = this;
    const { offsets, bytes } = this.repeated.layout(length);
    return makeData({ type, length, nullCount: 0, valueOffsets: offsets, data: bytes } as never);
  }
}

/** list<utf8>: list offsets over a child utf8 column. */
export class Utf8ListColumn extends Column {
  private offsets = new Int32Array(INITIAL_ROWS + 1);
  private readonly child = new Utf8Column();

  append(values: readonly string[]): void {
    if (this.length + 1 === this.offsets.length) this.growOffsets();
    for (const v of values) this.child.append(v);
    this.offsets[++this.length] = this.child.length;
  }
  /** One list from packed entries b[start, end): each a 4-byte little-endian length, then UTF-8 bytes. */
  appendPacked(b: Uint8Array, start: number, end: number): void {
    if (this.length + 1 === this.offsets.length) this.growOffsets();
    let at = start;
    while (at < end) {
      const n = b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
      this.child.appendBytes(b, at + 4, at + 4 + n);
      at += 4 + n;
    }
    this.offsets[++this.length] = this.child.length;
  }
  appendNull(): void {
    if (this.length + 1 === this.offsets.length) this.growOffsets();
    this.markNull(this.offsets.length - 1);
    this.offsets[++this.length] = this.child.length;
  }
  private growOffsets(): void {
    const next = new Int32Array((this.offsets.length - 1) * 2 + 1);
    next.set(this.offsets);
    this.offsets = next;
    this.validity.grow(next.length - 1);
  }
  override reset(): void {
    super.reset();
    this.child.reset();
  }
  byteLength(): number {
    return this.child.byteLength() + (this.length + 1) * 4;
  }
  finish(type: DataType): Data {
    const { length } = this;
    const childType = (type as DataType & { children: { type: DataType }[] }).children[0].type;
    return makeData({
      type,
      length,
      nullCount: this.validity.nulls,
      nullBitmap: this.validity.bitmap(length),
      valueOffsets: this.offsets.subarray(0, length + 1),
      child: this.child.finish(childType),
    } as never);
  }
}

export type AnyColumn =
  | FixedColumn
  | Int64Column
  | BoolColumn
  | Utf8Column
  | ConstantUtf8Column
  | Utf8ListColumn;

export function makeColumn(type: ColumnType): AnyColumn {
  switch (type) {
    case 'utf8':
      return new Utf8Column();
    case 'uint8':
      return new FixedColumn(Uint8Array);
    case 'uint16':
      return new FixedColumn(Uint16Array);
    case 'int16':
      return new FixedColumn(Int16Array);
    case 'uint64':
      return new Int64Column(false);
    case 'timestamp[ms]':
    case 'timestamp[s]':
      // Both carry epoch milliseconds (see storageSchema): the Parquet column is TIMESTAMP(MILLIS).
      return new Int64Column(true);
    case 'bool':
      return new BoolColumn();
    case 'list<utf8>':
      return new Utf8ListColumn();
  }
}

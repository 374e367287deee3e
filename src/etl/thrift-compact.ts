/**
 * Thrift's compact protocol, read into a generic tree and written back byte for byte: enough to edit a
 * Parquet footer (FileMetaData) without a schema of it. Every field is kept with its id and wire type, so
 * fields this code knows nothing about (newer Parquet versions add some) survive a round trip unchanged.
 *
 *   const meta = readStruct(new ThriftReader(footerBytes));
 *   field(meta, 3).value = 1234n;             // FileMetaData.num_rows (i64 → bigint)
 *   const bytes = writeStruct(meta);
 */

export const T = {
  TRUE: 1,
  FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
} as const;

export interface ThriftField {
  id: number;
  /** Wire type; for a boolean field TRUE or FALSE (the value travels in the type). */
  type: number;
  value: ThriftValue;
}
export type ThriftStruct = ThriftField[];
export interface ThriftList {
  elementType: number;
  items: ThriftValue[];
}
export interface ThriftMap {
  keyType: number;
  valueType: number;
  entries: [ThriftValue, ThriftValue][];
}
export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftStruct | ThriftList | ThriftMap;

export class ThriftReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('Thrift: read past the end of the footer');
    return this.buf[this.pos++];
  }
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  }
  zigzag(): bigint {
    const n = this.varint();
    return (n >> 1n) ^ -(n & 1n);
  }
}

function readValue(r: ThriftReader, type: number): ThriftValue {
  switch (type) {
    case T.TRUE:
      return true;
    case T.FALSE:
      return false;
    case T.BYTE:
      return (r.byte() << 24) >> 24;
    case T.I16:
    case T.I32:
      return Number(r.zigzag());
    case T.I64:
      return r.zigzag();
    case T.DOUBLE: {
      const v = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 8).getFloat64(0, true);
      r.pos += 8;
      return v;
    }
    case T.BINARY: {
      const n = Number(r.varint());
      const v = r.buf.subarray(r.pos, r.pos + n);
      r.pos += n;
      return v;
    }
    case T.LIST:
    case T.SET: {
      const head = r.byte();
      const size = head >> 4 === 0x0f ? Number(r.varint()) : head >> 4;
      const elementType = head & 0x0f;
      const items: ThriftValue[] = [];
      // In a list a boolean is one byte of its own (1 = true), not folded into a field header.
      for (let i = 0; i < size; i++)
        items.push(
          elementType === T.TRUE || elementType === T.FALSE ? r.byte() === 1 : readValue(r, elementType),
        );
      return { elementType, items };
    }
    case T.MAP: {
      const size = Number(r.varint());
      if (size === 0) return { keyType: 0, valueType: 0, entries: [] };
      const kv = r.byte();
      const keyType = kv >> 4;
      const valueType = kv & 0x0f;
      const entries: [ThriftValue, ThriftValue][] = [];
      for (let i = 0; i < size; i++) entries.push([readValue(r, keyType), readValue(r, valueType)]);
      return { keyType, valueType, entries };
    }
    case T.STRUCT:
      return readStruct(r);
    default:
      throw new Error(`Thrift: unknown compact type ${type} at byte ${r.pos}`);
  }
}

export function readStruct(r: ThriftReader): ThriftStruct {
  const fields: ThriftStruct = [];
  let last = 0;
  for (;;) {
    const head = r.byte();
    if (head === 0) return fields;
    const type = head & 0x0f;
    const delta = head >> 4;
    const id = delta === 0 ? Number(r.zigzag()) : last + delta;
    last = id;
    fields.push({ id, type, value: readValue(r, type) });
  }
}

class ThriftWriter {
  private buf = new Uint8Array(4096);
  length = 0;

  byte(b: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b & 0xff;
  }
  bytes(b: Uint8Array): void {
    for (let i = 0; i < b.length; i++) this.byte(b[i]);
  }
  varint(n: bigint): void {
    while (n >= 0x80n) {
      this.byte(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.byte(Number(n));
  }
  zigzag(n: bigint): void {
    this.varint(n >= 0n ? n << 1n : (-n << 1n) - 1n);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeValue(w: ThriftWriter, type: number, value: ThriftValue): void {
  switch (type) {
    case T.TRUE:
    case T.FALSE:
      return; // carried by the field header
    case T.BYTE:
      w.byte(value as number);
      return;
    case T.I16:
    case T.I32:
      w.zigzag(BigInt(value as number));
      return;
    case T.I64:
      w.zigzag(value as bigint);
      return;
    case T.DOUBLE: {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, value as number, true);
      w.bytes(b);
      return;
    }
    case T.BINARY: {
      const b = value as Uint8Array;
      w.varint(BigInt(b.length));
      w.bytes(b);
      return;
    }
    case T.LIST:
    case T.SET: {
      const { elementType, items } = value as ThriftList;
      if (items.length < 15) w.byte((items.length << 4) | elementType);
      else {
        w.byte(0xf0 | elementType);
        w.varint(BigInt(items.length));
      }
      for (const item of items) {
        if (elementType === T.TRUE || elementType === T.FALSE) w.byte(item ? T.TRUE : T.FALSE);
        else writeValue(w, elementType, item);
      }
      return;
    }
    case T.MAP: {
      const { keyType, valueType, entries } = value as ThriftMap;
      w.varint(BigInt(entries.length));
      if (entries.length === 0) return;
      w.byte((keyType << 4) | valueType);
      for (const [k, v] of entries) {
        writeValue(w, keyType, k);
        writeValue(w, valueType, v);
      }
      return;
    }
    case T.STRUCT:
      writeFields(w, value as ThriftStruct);
      return;
    default:
      throw new Error(`Thrift: unknown compact type ${type}`);
  }
}

function writeFields(w: ThriftWriter, fields: ThriftStruct): void {
  let last = 0;
  for (const f of fields) {
    const type = f.type === T.TRUE || f.type === T.FALSE ? (f.value ? T.TRUE : T.FALSE) : f.type;
    const delta = f.id - last;
    if (delta > 0 && delta <= 15) w.byte((delta << 4) | type);
    else {
      w.byte(type);
      w.zigzag(BigInt(f.id));
    }
    last = f.id;
    writeValue(w, type, f.value);
  }
  w.byte(0);
}

export function writeStruct(fields: ThriftStruct): Uint8Array {
  const w = new ThriftWriter();
  writeFields(w, fields);
  return w.result();
}

/** The field with this id, or undefined. */
export function field(s: ThriftStruct, id: number): ThriftField | undefined {
  return s.find((f) => f.id === id);
}

/**
 * Replace the `ARROW:schema` value in a Parquet file's footer.
 *
 * Why: Parquet has no seconds unit. PyArrow writes `timestamp('s')` as TIMESTAMP(MILLIS) values and keeps
 * `timestamp[s]` in the embedded Arrow schema; arrow-rs (parquet-wasm) instead writes a bare INT64 that
 * DuckDB, hyparquet and even PyArrow read as a plain integer. parquet-wasm exposes no option for this and
 * overwrites any user-supplied `ARROW:schema`, so the writer is given milliseconds and the footer's schema
 * string is swapped afterwards for the seed's schema. The file is then shaped exactly like PyArrow's.
 *
 * How: the footer is Thrift compact protocol. A KeyValue struct is
 *   0x18 (field 1, binary) varint(12) "ARROW:schema" 0x18 (field 2, binary) varint(n) <n bytes> 0x00.
 * Compact Thrift carries no enclosing byte lengths, and column-chunk offsets point before the footer,
 * so replacing those n bytes (and their varint) and rewriting the 4-byte footer length keeps the file valid.
 * Readers that re-check (hyparquet, PyArrow, DuckDB) are exercised by test/etl/parquet-readers.test.ts.
 */

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"
const KEY = new TextEncoder().encode('ARROW:schema');
const BINARY_FIELD_DELTA_1 = 0x18;

function readVarint(buf: Uint8Array, pos: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = buf[pos++];
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return { value, next: pos };
    shift += 7;
  }
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** Index of the value-field header that follows the `ARROW:schema` key, or -1. */
function findKey(buf: Uint8Array, from: number, to: number): number {
  const head = [BINARY_FIELD_DELTA_1, KEY.length, ...KEY];
  outer: for (let i = to - head.length - 1; i >= from; i--) {
    for (let j = 0; j < head.length; j++) if (buf[i + j] !== head[j]) continue outer;
    return i + head.length;
  }
  return -1;
}

export function replaceArrowSchema(file: Uint8Array, schemaBase64: string): Uint8Array {
  const n = file.length;
  const tail = file.subarray(n - 4);
  if (n < 12 || MAGIC.some((m, i) => tail[i] !== m)) throw new Error('not a Parquet file (no trailing PAR1)');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const footerLength = view.getUint32(n - 8, true);
  const footerStart = n - 8 - footerLength;
  const at = findKey(file, footerStart, n - 8);
  if (at < 0 || file[at] !== BINARY_FIELD_DELTA_1)
    throw new Error('Parquet footer has no ARROW:schema to replace');
  const { value: oldLength, next: valueStart } = readVarint(file, at + 1);
  const valueEnd = valueStart + oldLength;

  const value = new TextEncoder().encode(schemaBase64);
  const lengthBytes = varint(value.length);
  const newFooterLength = footerLength - (valueEnd - at - 1) + lengthBytes.length + value.length;
  const out = new Uint8Array(footerStart + newFooterLength + 8);
  out.set(file.subarray(0, at + 1), 0);
  let p = at + 1;
  out.set(lengthBytes, p);
  p += lengthBytes.length;
  out.set(value, p);
  p += value.length;
  out.set(file.subarray(valueEnd, n - 8), p);
  p += n - 8 - valueEnd;
  new DataView(out.buffer).setUint32(p, newFooterLength, true);
  out.set(MAGIC, p + 4);
  return out;
}

/**
 * The table specs of schemas.ts as Arrow schemas: the seed's types (what a file's ARROW:schema records)
 * and the storage types handed to the Parquet encoder. Only the encoder's side (the ETL thread, tests,
 * the bench) loads this, and with it apache-arrow.
 */
import {
  Bool,
  type DataType,
  Field,
  Int16,
  List,
  Schema,
  TimestampMillisecond,
  TimestampSecond,
  Uint8,
  Uint16,
  Uint64,
  Utf8,
} from 'apache-arrow';
import type { ColumnType, TableSpec } from './schemas.js';

function arrowType(type: ColumnType, storage: boolean): DataType {
  switch (type) {
    case 'utf8':
      return new Utf8();
    case 'uint8':
      return new Uint8();
    case 'uint16':
      return new Uint16();
    case 'uint64':
      return new Uint64();
    case 'int16':
      return new Int16();
    case 'bool':
      return new Bool();
    case 'list<utf8>':
      // PyArrow names the child of pa.list_(pa.string()) "item"; keep it so the schemas compare equal.
      return new List(new Field('item', new Utf8(), true));
    case 'timestamp[ms]':
      return new TimestampMillisecond();
    case 'timestamp[s]':
      // Parquet has no seconds unit. The file stores milliseconds (TIMESTAMP(MILLIS), which every reader
      // sees as a timestamp) and the embedded ARROW:schema says seconds, as PyArrow does (parquet.ts).
      return storage ? new TimestampMillisecond() : new TimestampSecond();
  }
}

/** The seed's Arrow schema of a table (what the file's ARROW:schema metadata records). */
export function arrowSchema(spec: TableSpec): Schema {
  return new Schema(spec.columns.map((c) => new Field(c.name, arrowType(c.type, false), true)));
}

/** The schema of the Arrow table handed to the Parquet encoder: seconds are carried as milliseconds. */
export function storageSchema(spec: TableSpec): Schema {
  return new Schema(spec.columns.map((c) => new Field(c.name, arrowType(c.type, true), true)));
}

/**
 * The five output tables, with exactly the Arrow types of seed 001 (plus upstream's `timestamp` column on
 * lib_server_lobby, placed after `msg_id` as the upstream worker does). Every field is nullable, as in a
 * PyArrow schema built from `pa.field(name, type)`.
 *
 * A spec is plain data so that one generic column builder per type can be driven by it (columns.ts), and
 * so that tests can compare what readers see against it.
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

export type ColumnType =
  | 'utf8'
  | 'uint8'
  | 'uint16'
  | 'uint64'
  | 'int16'
  | 'bool'
  | 'list<utf8>'
  | 'timestamp[ms]'
  | 'timestamp[s]';

export interface ColumnSpec {
  readonly name: string;
  readonly type: ColumnType;
}

export interface TableSpec {
  readonly name: TableName;
  readonly columns: readonly ColumnSpec[];
}

export type TableName = 'etl_meta' | 'buffer_meta' | 'log_meta' | 'lib_server_lobby' | 'lib_server_game';

const col = (name: string, type: ColumnType): ColumnSpec => ({ name, type });

export const ETL_META: TableSpec = {
  name: 'etl_meta',
  columns: [
    col('etl_id', 'utf8'),
    col('service', 'utf8'),
    col('mode', 'utf8'),
    col('timestamp_start', 'timestamp[ms]'),
    col('timestamp_end', 'timestamp[ms]'),
  ],
};

export const BUFFER_META: TableSpec = {
  name: 'buffer_meta',
  columns: [
    col('etl_id', 'utf8'),
    col('msg_id', 'utf8'),
    col('checksum', 'utf8'),
    col('headers', 'list<utf8>'),
    col('key', 'utf8'),
    col('offset', 'uint64'),
    col('partition', 'uint8'),
    col('serialized_key_size', 'int16'),
    col('serialized_value_size', 'int16'),
    col('timestamp', 'timestamp[ms]'),
    col('timestamp_type', 'uint8'),
    col('topic', 'utf8'),
    col('_is_protocol', 'bool'),
  ],
};

export const LOG_META: TableSpec = {
  name: 'log_meta',
  columns: [
    col('etl_id', 'utf8'),
    col('msg_id', 'utf8'),
    col('level', 'utf8'),
    col('timestamp', 'timestamp[ms]'),
    col('name', 'utf8'),
    col('log_message', 'utf8'),
  ],
};

export const LIB_SERVER_LOBBY: TableSpec = {
  name: 'lib_server_lobby',
  columns: [
    col('etl_id', 'utf8'),
    col('msg_id', 'utf8'),
    col('timestamp', 'timestamp[s]'),
    col('game_token', 'utf8'),
    col('user_token', 'utf8'),
    col('superhero_id', 'uint16'),
    col('superhero_attack', 'uint64'),
    col('superhero_health', 'uint64'),
  ],
};

export const LIB_SERVER_GAME: TableSpec = {
  name: 'lib_server_game',
  columns: [
    col('etl_id', 'utf8'),
    col('msg_id', 'utf8'),
    col('timestamp', 'timestamp[s]'),
    col('game_token', 'utf8'),
    col('user_token', 'utf8'),
    col('action', 'utf8'),
    col('enemy_token', 'utf8'),
    col('enemy_damage', 'uint64'),
    col('enemy_health_prior', 'uint64'),
    col('enemy_health_post', 'uint64'),
  ],
};

/** In the order a segment writes them; etl_meta last, so it only describes files that exist. */
export const TABLES: readonly TableSpec[] = [
  BUFFER_META,
  LOG_META,
  LIB_SERVER_LOBBY,
  LIB_SERVER_GAME,
  ETL_META,
];

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

export function hasSecondsColumn(spec: TableSpec): boolean {
  return spec.columns.some((c) => c.type === 'timestamp[s]');
}

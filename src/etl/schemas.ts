/**
 * The five output tables, with exactly the Arrow types of seed 001 (plus upstream's `timestamp` column on
 * lib_server_lobby, placed after `msg_id` as the upstream worker does). Every field is nullable, as in a
 * PyArrow schema built from `pa.field(name, type)`.
 *
 * A spec is plain data so that one generic column builder per type can be driven by it (columns.ts), and
 * so that tests can compare what readers see against it. Its Arrow form is in arrow-schemas.ts: a process
 * that only names tables (the consuming thread) does not load apache-arrow.
 */

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

export function hasSecondsColumn(spec: TableSpec): boolean {
  return spec.columns.some((c) => c.type === 'timestamp[s]');
}

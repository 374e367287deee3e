//! The four per-message tables of src/etl/schemas.ts (same column names, same Arrow types, every field
//! nullable), their column builders (src/etl/rows.ts) and the Parquet writer properties of
//! src/etl/writer-properties.ts.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int16Builder, ListBuilder, StringBuilder, TimestampMillisecondBuilder, UInt16Builder,
    UInt64Builder, UInt8Builder,
};
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::arrow_writer::{ArrowWriter, ArrowWriterOptions};
use parquet::arrow::encode_arrow_schema;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use parquet::schema::types::ColumnPath;

#[derive(Clone, Copy)]
pub enum Col {
    Utf8,
    U8,
    U16,
    U64,
    I16,
    Bool,
    ListUtf8,
    TsMs,
    TsS,
}

pub struct TableSpec {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Col)],
}

pub const BUFFER_META: TableSpec = TableSpec {
    name: "buffer_meta",
    columns: &[
        ("etl_id", Col::Utf8),
        ("msg_id", Col::Utf8),
        ("checksum", Col::Utf8),
        ("headers", Col::ListUtf8),
        ("key", Col::Utf8),
        ("offset", Col::U64),
        ("partition", Col::U8),
        ("serialized_key_size", Col::I16),
        ("serialized_value_size", Col::I16),
        ("timestamp", Col::TsMs),
        ("timestamp_type", Col::U8),
        ("topic", Col::Utf8),
        ("_is_protocol", Col::Bool),
    ],
};

pub const LOG_META: TableSpec = TableSpec {
    name: "log_meta",
    columns: &[
        ("etl_id", Col::Utf8),
        ("msg_id", Col::Utf8),
        ("level", Col::Utf8),
        ("timestamp", Col::TsMs),
        ("name", Col::Utf8),
        ("log_message", Col::Utf8),
    ],
};

pub const LIB_SERVER_LOBBY: TableSpec = TableSpec {
    name: "lib_server_lobby",
    columns: &[
        ("etl_id", Col::Utf8),
        ("msg_id", Col::Utf8),
        ("timestamp", Col::TsS),
        ("game_token", Col::Utf8),
        ("user_token", Col::Utf8),
        ("superhero_id", Col::U16),
        ("superhero_attack", Col::U64),
        ("superhero_health", Col::U64),
    ],
};

pub const LIB_SERVER_GAME: TableSpec = TableSpec {
    name: "lib_server_game",
    columns: &[
        ("etl_id", Col::Utf8),
        ("msg_id", Col::Utf8),
        ("timestamp", Col::TsS),
        ("game_token", Col::Utf8),
        ("user_token", Col::Utf8),
        ("action", Col::Utf8),
        ("enemy_token", Col::Utf8),
        ("enemy_damage", Col::U64),
        ("enemy_health_prior", Col::U64),
        ("enemy_health_post", Col::U64),
    ],
};

/// In the order a segment writes them (etl_meta, one row per segment, is not built here).
pub const TABLES: [&TableSpec; 4] = [&BUFFER_META, &LOG_META, &LIB_SERVER_LOBBY, &LIB_SERVER_GAME];

fn arrow_type(c: Col, storage: bool) -> DataType {
    match c {
        Col::Utf8 => DataType::Utf8,
        Col::U8 => DataType::UInt8,
        Col::U16 => DataType::UInt16,
        Col::U64 => DataType::UInt64,
        Col::I16 => DataType::Int16,
        Col::Bool => DataType::Boolean,
        // PyArrow (and heroflow) name the child "item".
        Col::ListUtf8 => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        Col::TsMs => DataType::Timestamp(TimeUnit::Millisecond, None),
        // Parquet has no seconds unit: the file stores milliseconds (TIMESTAMP(MILLIS)) and the footer's
        // ARROW:schema says seconds, as heroflow (and PyArrow) do.
        Col::TsS => {
            DataType::Timestamp(if storage { TimeUnit::Millisecond } else { TimeUnit::Second }, None)
        }
    }
}

/// The seed's Arrow schema (what the footer's ARROW:schema records).
pub fn arrow_schema(spec: &TableSpec) -> Schema {
    Schema::new(spec.columns.iter().map(|(n, c)| Field::new(*n, arrow_type(*c, false), true)).collect::<Vec<_>>())
}

/// The schema of the batches handed to the writer: seconds carried as milliseconds.
pub fn storage_schema(spec: &TableSpec) -> SchemaRef {
    Arc::new(Schema::new(
        spec.columns.iter().map(|(n, c)| Field::new(*n, arrow_type(*c, true), true)).collect::<Vec<_>>(),
    ))
}

/// src/etl/writer-properties.ts TEXT_WITHOUT_STATISTICS.
const TEXT_WITHOUT_STATISTICS: [&str; 11] = [
    "etl_id",
    "msg_id",
    "checksum",
    "headers.list.item",
    "key",
    "topic",
    "level",
    "name",
    "log_message",
    "action",
    "enemy_token",
];

/// heroflow's properties: ZSTD level 1, no dictionary, chunk statistics except the text columns above,
/// data page v1 (writer version 1.0), no page indexes (heroflow's joined files carry none: the
/// native-ZSTD rewrite and the part merge drop them). Row groups are cut by the caller (one per part).
pub fn writer_properties(spec: &TableSpec) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap()))
        .set_dictionary_enabled(false)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_offset_index_disabled(true)
        .set_max_row_group_row_count(None)
        .set_created_by("heroflow native ETL (parquet-rs 59.3.0)".to_string())
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "ARROW:schema".to_string(),
            encode_arrow_schema(&arrow_schema(spec)),
        )]));
    for path in TEXT_WITHOUT_STATISTICS {
        // The whole path, in parts: "headers.list.item" is three (heroflow reaches the same files by
        // turning statistics on by top-level name instead, as parquet-wasm takes only one-part paths).
        let parts: Vec<String> = path.split('.').map(String::from).collect();
        b = b.set_column_statistics_enabled(ColumnPath::new(parts), EnabledStatistics::None);
    }
    b.build()
}

/// A writer into memory for one table of one segment; its own ARROW:schema (the seed's) replaces arrow-rs'.
pub fn writer(spec: &TableSpec, storage: SchemaRef) -> ArrowWriter<Vec<u8>> {
    let options = ArrowWriterOptions::new()
        .with_properties(writer_properties(spec))
        .with_skip_arrow_metadata(true);
    ArrowWriter::try_new_with_options(Vec::with_capacity(1 << 20), storage, options).expect("parquet writer")
}

/// ASCII span → &str. The scanner only leaves spans of printable ASCII (it bails on bytes ≥ 0x80 and on
/// escapes in copied strings), and the synthetic ids are ASCII.
#[inline(always)]
pub fn ascii(b: &[u8]) -> &str {
    debug_assert!(b.is_ascii());
    // SAFETY: ASCII is valid UTF-8 (see above).
    unsafe { std::str::from_utf8_unchecked(b) }
}

fn constant(value: &str, rows: usize) -> ArrayRef {
    Arc::new(StringArray::new_repeated(value, rows))
}

pub struct BufferCols {
    cap: usize,
    pub rows: usize,
    pub msg_id: StringBuilder,
    pub headers: ListBuilder<StringBuilder>,
    pub key: StringBuilder,
    pub offset: UInt64Builder,
    pub partition: UInt8Builder,
    pub key_size: Int16Builder,
    pub value_size: Int16Builder,
    pub timestamp: TimestampMillisecondBuilder,
    pub timestamp_type: UInt8Builder,
    pub is_protocol: BooleanBuilder,
}

impl BufferCols {
    pub fn new(cap: usize) -> Self {
        BufferCols {
            cap,
            rows: 0,
            msg_id: StringBuilder::with_capacity(cap, cap * 36),
            headers: ListBuilder::with_capacity(StringBuilder::with_capacity(cap, cap * 52), cap)
                .with_field(Arc::new(Field::new("item", DataType::Utf8, true))),
            key: StringBuilder::with_capacity(cap, 0),
            offset: UInt64Builder::with_capacity(cap),
            partition: UInt8Builder::with_capacity(cap),
            key_size: Int16Builder::with_capacity(cap),
            value_size: Int16Builder::with_capacity(cap),
            timestamp: TimestampMillisecondBuilder::with_capacity(cap),
            timestamp_type: UInt8Builder::with_capacity(cap),
            is_protocol: BooleanBuilder::with_capacity(cap),
        }
    }

    /// The rows so far as a batch in the storage schema; the builders start again empty (as in the others).
    pub fn finish(&mut self, schema: &SchemaRef, etl_id: &str, topic: &str) -> RecordBatch {
        let n = std::mem::take(&mut self.rows);
        let columns: Vec<ArrayRef> = vec![
            constant(etl_id, n),
            Arc::new(self.msg_id.finish()),
            Arc::new(StringArray::new_null(n)),
            Arc::new(self.headers.finish()),
            Arc::new(self.key.finish()),
            Arc::new(self.offset.finish()),
            Arc::new(self.partition.finish()),
            Arc::new(self.key_size.finish()),
            Arc::new(self.value_size.finish()),
            Arc::new(self.timestamp.finish()),
            Arc::new(self.timestamp_type.finish()),
            constant(topic, n),
            Arc::new(self.is_protocol.finish()),
        ];
        // The buffers went into the arrays: start again at full capacity (no regrowth by doubling).
        *self = Self::new(self.cap);
        RecordBatch::try_new(schema.clone(), columns).expect("buffer_meta batch")
    }
}

pub struct LogCols {
    cap: usize,
    pub rows: usize,
    pub msg_id: StringBuilder,
    pub level: StringBuilder,
    pub timestamp: TimestampMillisecondBuilder,
    pub name: StringBuilder,
    pub log_message: StringBuilder,
}

impl LogCols {
    pub fn new(cap: usize) -> Self {
        LogCols {
            cap,
            rows: 0,
            msg_id: StringBuilder::with_capacity(cap, cap * 36),
            level: StringBuilder::with_capacity(cap, cap * 4),
            timestamp: TimestampMillisecondBuilder::with_capacity(cap),
            name: StringBuilder::with_capacity(cap, cap * 24),
            log_message: StringBuilder::with_capacity(cap, cap * 20),
        }
    }

    pub fn finish(&mut self, schema: &SchemaRef, etl_id: &str) -> RecordBatch {
        let n = std::mem::take(&mut self.rows);
        let columns: Vec<ArrayRef> = vec![
            constant(etl_id, n),
            Arc::new(self.msg_id.finish()),
            Arc::new(self.level.finish()),
            Arc::new(self.timestamp.finish()),
            Arc::new(self.name.finish()),
            Arc::new(self.log_message.finish()),
        ];
        // The buffers went into the arrays: start again at full capacity (no regrowth by doubling).
        *self = Self::new(self.cap);
        RecordBatch::try_new(schema.clone(), columns).expect("log_meta batch")
    }
}

pub struct LobbyCols {
    cap: usize,
    pub rows: usize,
    pub msg_id: StringBuilder,
    pub timestamp: TimestampMillisecondBuilder,
    pub game_token: StringBuilder,
    pub user_token: StringBuilder,
    pub hero_id: UInt16Builder,
    pub attack: UInt64Builder,
    pub health: UInt64Builder,
}

impl LobbyCols {
    pub fn new(cap: usize) -> Self {
        LobbyCols {
            cap,
            rows: 0,
            msg_id: StringBuilder::with_capacity(cap, cap * 36),
            timestamp: TimestampMillisecondBuilder::with_capacity(cap),
            game_token: StringBuilder::with_capacity(cap, cap * 36),
            user_token: StringBuilder::with_capacity(cap, cap * 36),
            hero_id: UInt16Builder::with_capacity(cap),
            attack: UInt64Builder::with_capacity(cap),
            health: UInt64Builder::with_capacity(cap),
        }
    }

    pub fn finish(&mut self, schema: &SchemaRef, etl_id: &str) -> RecordBatch {
        let n = std::mem::take(&mut self.rows);
        let columns: Vec<ArrayRef> = vec![
            constant(etl_id, n),
            Arc::new(self.msg_id.finish()),
            Arc::new(self.timestamp.finish()),
            Arc::new(self.game_token.finish()),
            Arc::new(self.user_token.finish()),
            Arc::new(self.hero_id.finish()),
            Arc::new(self.attack.finish()),
            Arc::new(self.health.finish()),
        ];
        // The buffers went into the arrays: start again at full capacity (no regrowth by doubling).
        *self = Self::new(self.cap);
        RecordBatch::try_new(schema.clone(), columns).expect("lib_server_lobby batch")
    }
}

pub struct GameCols {
    cap: usize,
    pub rows: usize,
    pub msg_id: StringBuilder,
    pub timestamp: TimestampMillisecondBuilder,
    pub game_token: StringBuilder,
    pub user_token: StringBuilder,
    pub action: StringBuilder,
    pub enemy_token: StringBuilder,
    pub damage: UInt64Builder,
    pub prior: UInt64Builder,
    pub post: UInt64Builder,
}

impl GameCols {
    pub fn new(cap: usize) -> Self {
        GameCols {
            cap,
            rows: 0,
            msg_id: StringBuilder::with_capacity(cap, cap * 36),
            timestamp: TimestampMillisecondBuilder::with_capacity(cap),
            game_token: StringBuilder::with_capacity(cap, cap * 36),
            user_token: StringBuilder::with_capacity(cap, cap * 36),
            action: StringBuilder::with_capacity(cap, cap * 6),
            enemy_token: StringBuilder::with_capacity(cap, cap * 36),
            damage: UInt64Builder::with_capacity(cap),
            prior: UInt64Builder::with_capacity(cap),
            post: UInt64Builder::with_capacity(cap),
        }
    }

    pub fn finish(&mut self, schema: &SchemaRef, etl_id: &str) -> RecordBatch {
        let n = std::mem::take(&mut self.rows);
        let columns: Vec<ArrayRef> = vec![
            constant(etl_id, n),
            Arc::new(self.msg_id.finish()),
            Arc::new(self.timestamp.finish()),
            Arc::new(self.game_token.finish()),
            Arc::new(self.user_token.finish()),
            Arc::new(self.action.finish()),
            Arc::new(self.enemy_token.finish()),
            Arc::new(self.damage.finish()),
            Arc::new(self.prior.finish()),
            Arc::new(self.post.finish()),
        ];
        // The buffers went into the arrays: start again at full capacity (no regrowth by doubling).
        *self = Self::new(self.cap);
        RecordBatch::try_new(schema.clone(), columns).expect("lib_server_game batch")
    }
}

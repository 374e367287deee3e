//! One open segment of the ETL: records in (one message value each, plus its line number), one Parquet
//! part (row group) per table every `part_records` appended records, one file per table when the segment
//! is finished. Moved out of main.rs unchanged so that the binary and the N-API addon share it; where and
//! when a segment rolls, and what happens to its files, is the caller's.

use arrow_schema::SchemaRef;
use parquet::arrow::arrow_writer::ArrowWriter;

use crate::scan::{RecordScanner, KIND_GAME, KIND_LOBBY};
use crate::tables::*;

/// What every row of the stream shares (the binary's flags; the addon's constructor arguments).
pub struct Config {
    pub etl_id: String,
    pub topic: String,
    /// Records per Parquet part / row group (etl-thread.ts CHUNK_ROWS: 16,384).
    pub part_records: usize,
    /// Broker timestamp of line 0, epoch ms (line i gets base + i).
    pub base_timestamp: i64,
}

/// What became of one record.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    Appended,
    /// The fast path bailed: heroflow would read it with JSON.parse; here it is in no table.
    Skipped,
    /// Over 32,767 bytes: heroflow dead-letters it (serialized_value_size is an int16).
    Oversized,
}

fn fmix32(mut h: u32) -> u32 {
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
}

/// The synthetic msg_id of line `i`: 128 hashed bits as a version-4-shaped UUID (compare.ts `msgId`).
pub fn msg_id(i: u64, out: &mut [u8; 36]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut nibbles = [0u8; 32];
    for k in 0..4u32 {
        let w = fmix32((i as u32).wrapping_mul(4).wrapping_add(k).wrapping_add(0x9e37_79b9));
        for n in 0..8 {
            nibbles[(k * 8 + n) as usize] = ((w >> (28 - 4 * n)) & 15) as u8;
        }
    }
    nibbles[12] = 4;
    nibbles[16] = 8 | (nibbles[16] & 3);
    let mut o = 0;
    for (idx, nib) in nibbles.iter().enumerate() {
        if idx == 8 || idx == 12 || idx == 16 || idx == 20 {
            out[o] = b'-';
            o += 1;
        }
        out[o] = HEX[*nib as usize];
        o += 1;
    }
}

/// CPU time of the calling thread, ms (the engine runs on one thread).
pub fn thread_cpu_ms() -> f64 {
    // SAFETY: clock_gettime fills the struct it is given.
    unsafe {
        let mut t: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t);
        t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
    }
}

const HEADER_PREFIX: &[u8] = b"heroflow-msg-id=";

pub struct Engine {
    pub config: Config,
    schemas: [SchemaRef; 4],
    scanner: RecordScanner,
    b: BufferCols,
    l: LogCols,
    lo: LobbyCols,
    g: GameCols,
    /// Records appended to the builders since the last part (etl-thread.ts: `seg.rows.records`).
    pending_records: usize,
    writers: [Option<ArrowWriter<Vec<u8>>>; 4],
    /// Rows shipped into parts per table, over all segments.
    pub rows: [u64; 4],
    /// CPU ms (this thread) spent finishing Arrow batches, encoding parts, and writing footers.
    pub build_finish_cpu: f64,
    pub encode_cpu: f64,
    pub footer_cpu: f64,
}

impl Engine {
    pub fn new(config: Config) -> Self {
        let cap = config.part_records;
        Engine {
            config,
            schemas: TABLES.map(storage_schema),
            scanner: RecordScanner::new(),
            b: BufferCols::new(cap),
            l: LogCols::new(cap),
            lo: LobbyCols::new(cap),
            g: GameCols::new(cap),
            pending_records: 0,
            writers: [None, None, None, None],
            rows: [0; 4],
            build_finish_cpu: 0.0,
            encode_cpu: 0.0,
            footer_cpu: 0.0,
        }
    }

    /// Records appended since the last part was shipped.
    pub fn pending_records(&self) -> usize {
        self.pending_records
    }

    /// One record (`value`: the message bytes; `i`: its line number over the whole stream). Ships a part
    /// when `part_records` records have been appended since the last one.
    pub fn record(&mut self, value: &[u8], i: u64) -> Outcome {
        let outcome = if value.len() > i16::MAX as usize {
            Outcome::Oversized
        } else if self.scanner.scan(value).is_ok() {
            self.append(value, i);
            Outcome::Appended
        } else {
            Outcome::Skipped
        };
        if self.pending_records >= self.config.part_records {
            self.ship();
        }
        outcome
    }

    fn append(&mut self, v: &[u8], i: u64) {
        let mut id_bytes = [0u8; 36];
        msg_id(i, &mut id_bytes);
        let id = ascii(&id_bytes);
        self.pending_records += 1;

        let b = &mut self.b;
        b.rows += 1;
        b.msg_id.append_value(id);
        let mut header = [0u8; 52];
        header[..16].copy_from_slice(HEADER_PREFIX);
        header[16..].copy_from_slice(&id_bytes);
        b.headers.values().append_value(ascii(&header));
        b.headers.append(true);
        b.key.append_value("");
        b.offset.append_value(i);
        b.partition.append_value(0);
        b.key_size.append_value(-1);
        b.value_size.append_value(v.len() as i16);
        b.timestamp.append_value(self.config.base_timestamp + i as i64);
        b.timestamp_type.append_value(0);
        b.is_protocol.append_value(false);

        let s = &self.scanner.s;
        let span = |(a, z): (usize, usize)| ascii(&v[a..z]);
        let l = &mut self.l;
        l.rows += 1;
        l.msg_id.append_value(id);
        l.level.append_value(span(s.level));
        l.timestamp.append_value(s.timestamp);
        l.name.append_value(span(s.name));
        l.log_message.append_value(span(s.message));

        if s.kind == KIND_LOBBY {
            let lo = &mut self.lo;
            let game = span(s.game);
            for h in &s.heroes {
                lo.rows += 1;
                lo.msg_id.append_value(id);
                lo.timestamp.append_option(s.task_time);
                lo.game_token.append_value(game);
                lo.user_token.append_value(span(h.token));
                lo.hero_id.append_value(h.id);
                lo.attack.append_value(h.attack);
                lo.health.append_value(h.health);
            }
        } else if s.kind == KIND_GAME {
            let g = &mut self.g;
            g.rows += 1;
            g.msg_id.append_value(id);
            g.timestamp.append_option(s.task_time);
            g.game_token.append_value(span(s.game));
            g.user_token.append_value(span(s.user));
            g.action.append_value(span(s.action));
            match s.enemy {
                Some(e) => g.enemy_token.append_value(span(e)),
                None => g.enemy_token.append_null(),
            }
            g.damage.append_value(s.damage);
            g.prior.append_value(s.prior);
            g.post.append_value(s.post);
        }
    }

    /// The rows built so far into one row group per table (a heroflow "part"); the builders start again.
    pub fn ship(&mut self) {
        self.pending_records = 0;
        for t in 0..4 {
            let n = match t {
                0 => self.b.rows,
                1 => self.l.rows,
                2 => self.lo.rows,
                _ => self.g.rows,
            };
            if n == 0 {
                continue;
            }
            let c0 = thread_cpu_ms();
            let schema = &self.schemas[t];
            let etl_id = self.config.etl_id.as_str();
            let batch = match t {
                0 => self.b.finish(schema, etl_id, &self.config.topic),
                1 => self.l.finish(schema, etl_id),
                2 => self.lo.finish(schema, etl_id),
                _ => self.g.finish(schema, etl_id),
            };
            let c1 = thread_cpu_ms();
            let w = self.writers[t].get_or_insert_with(|| writer(TABLES[t], schema.clone()));
            w.write(&batch).expect("parquet write");
            w.flush().expect("parquet flush");
            let c2 = thread_cpu_ms();
            self.rows[t] += n as u64;
            self.build_finish_cpu += c1 - c0;
            self.encode_cpu += c2 - c1;
        }
    }

    /// Ends the open segment: its last part, then each table's file (footer written) handed to `sink` with
    /// the table's index in `TABLES`. A table that got no rows in the segment has no file.
    pub fn finish_segment(&mut self, mut sink: impl FnMut(usize, Vec<u8>)) {
        self.ship();
        for t in 0..4 {
            let Some(w) = self.writers[t].take() else { continue };
            let c0 = thread_cpu_ms();
            let bytes = w.into_inner().expect("parquet close");
            self.footer_cpu += thread_cpu_ms() - c0;
            sink(t, bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn msg_id_shape() {
        let mut a = [0u8; 36];
        super::msg_id(0, &mut a);
        let s = std::str::from_utf8(&a).unwrap();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
        assert_eq!(s.matches('-').count(), 4);
    }
}

//! One open segment of the ETL: records in (one message value each, with what the broker said of it), one
//! Parquet part (row group) per table every `part_records` appended records, one file per table when the
//! segment is finished. heroflow's ETL thread drives it through the N-API addon (../addon); the bench
//! binary (main.rs) drives it from an NDJSON file with synthetic broker fields. Where and when a segment
//! rolls, and what happens to its files, is the caller's.

use arrow_schema::SchemaRef;
use parquet::arrow::arrow_writer::ArrowWriter;

use crate::scan::{RecordScanner, KIND_GAME, KIND_LOBBY};
use crate::tables::*;

/// What every row of the segment shares (the binary's flags; the addon's constructor arguments).
pub struct Config {
    pub etl_id: String,
    pub topic: String,
    /// Records per Parquet part / row group (etl-thread.ts CHUNK_ROWS: 16,384).
    pub part_records: usize,
    /// Which of `TABLES` to build (heroflow's `--tables`); appends to the others are skipped.
    pub tables: [bool; 4],
}

/// What the broker said of one record: the fields of heroflow's packed chunk (src/etl/packed.ts).
pub struct Meta<'a> {
    /// The msg_id column: the msg-id header, else `topic/partition@offset`, else the delivery id.
    pub msg_id: &'a [u8],
    pub key: Option<&'a [u8]>,
    /// Header entries back to back, each `name=value` behind a 4-byte little-endian length.
    pub headers: &'a [u8],
    pub offset: Option<u64>,
    pub partition: u8,
    /// Broker timestamp, epoch ms.
    pub timestamp: i64,
}

/// What became of one record.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    Appended,
    /// The fast path bailed, or a broker field is not UTF-8: heroflow's JS path reads it (JSON.parse and
    /// validation, which names what is wrong with a malformed one); here it is in no table.
    Skipped,
    /// Over 32,767 bytes: heroflow dead-letters it (serialized_value_size is an int16).
    Oversized,
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
    /// Per table: CPU ms finishing its batches, encoding its parts and writing its footer.
    pub table_cpu: [f64; 4],
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
            table_cpu: [0.0; 4],
        }
    }

    /// The envelope time (epoch ms) of the record `record` last appended.
    pub fn last_envelope_time(&self) -> i64 {
        self.scanner.s.timestamp
    }

    /// Records appended since the last part was shipped.
    pub fn pending_records(&self) -> usize {
        self.pending_records
    }

    /// One record (`value`: the message bytes). Ships a part when `part_records` records have been
    /// appended since the last one.
    pub fn record(&mut self, value: &[u8], meta: &Meta) -> Outcome {
        let outcome = if value.len() > i16::MAX as usize {
            Outcome::Oversized
        } else if !broker_fields_utf8(meta) {
            Outcome::Skipped
        } else if self.scanner.scan(value).is_ok() {
            self.append(value, meta);
            Outcome::Appended
        } else {
            Outcome::Skipped
        };
        if self.pending_records >= self.config.part_records {
            self.ship();
        }
        outcome
    }

    fn append(&mut self, v: &[u8], m: &Meta) {
        // Checked by `broker_fields_utf8` before the scan.
        let id = unchecked_str(m.msg_id);
        self.pending_records += 1;
        let [with_buffer, with_log, with_lobby, with_game] = self.config.tables;

        if with_buffer {
            let b = &mut self.b;
            b.rows += 1;
            b.msg_id.append_value(id);
            for entry in HeaderEntries(m.headers) {
                b.headers.values().append_value(unchecked_str(entry));
            }
            b.headers.append(true);
            match m.key {
                Some(k) => {
                    b.key.append_value(unchecked_str(k));
                    b.key_size.append_value(k.len() as i16);
                }
                None => {
                    b.key.append_value("");
                    b.key_size.append_value(-1);
                }
            }
            b.offset.append_option(m.offset);
            b.partition.append_value(m.partition);
            b.value_size.append_value(v.len() as i16);
            b.timestamp.append_value(m.timestamp);
            b.timestamp_type.append_value(0);
            b.is_protocol.append_value(false);
        }

        let s = &self.scanner.s;
        let span = |(a, z): (usize, usize)| ascii(&v[a..z]);
        if with_log {
            let l = &mut self.l;
            l.rows += 1;
            l.msg_id.append_value(id);
            l.level.append_value(span(s.level));
            l.timestamp.append_value(s.timestamp);
            l.name.append_value(span(s.name));
            l.log_message.append_value(span(s.message));
        }

        if s.kind == KIND_LOBBY && with_lobby {
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
        } else if s.kind == KIND_GAME && with_game {
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
            self.table_cpu[t] += c2 - c0;
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
            let footer = thread_cpu_ms() - c0;
            self.footer_cpu += footer;
            self.table_cpu[t] += footer;
            sink(t, bytes);
        }
    }
}

/// The header entries of a packed record: `name=value` spans, each behind its 4-byte little-endian length.
/// Stops at an entry that would run past the end (`broker_fields_utf8` turns such a record away first).
struct HeaderEntries<'a>(&'a [u8]);

impl<'a> Iterator for HeaderEntries<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let b = self.0;
        if b.len() < 4 {
            return None;
        }
        let n = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let entry = b.get(4..4 + n)?;
        self.0 = &b[4 + n..];
        Some(entry)
    }
}

/// Whether the record's text fields can go into utf8 columns as they are. heroflow's packer writes ASCII
/// or UTF-8 it encoded itself, so this holds; a record it does not hold for goes to the JS path, whose
/// builders decode the same bytes, rather than into a column as invalid UTF-8.
fn broker_fields_utf8(m: &Meta) -> bool {
    let utf8 = |b: &[u8]| std::str::from_utf8(b).is_ok();
    if !utf8(m.msg_id) || !m.key.map_or(true, utf8) {
        return false;
    }
    let mut seen = 0;
    for entry in HeaderEntries(m.headers) {
        if !utf8(entry) {
            return false;
        }
        seen += 4 + entry.len();
    }
    seen == m.headers.len()
}

/// Bytes already checked to be UTF-8 (`broker_fields_utf8`) → &str without checking again.
#[inline(always)]
fn unchecked_str(b: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(b).is_ok());
    // SAFETY: every caller passes a span `broker_fields_utf8` has checked.
    unsafe { std::str::from_utf8_unchecked(b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_entries_and_their_check() {
        let mut h = Vec::new();
        for e in ["a=1", "heroflow-msg-id=x"] {
            h.extend_from_slice(&(e.len() as u32).to_le_bytes());
            h.extend_from_slice(e.as_bytes());
        }
        let entries: Vec<&[u8]> = HeaderEntries(&h).collect();
        assert_eq!(entries, vec![b"a=1".as_slice(), b"heroflow-msg-id=x".as_slice()]);
        let meta = |headers| Meta { msg_id: b"x", key: None, headers, offset: None, partition: 0, timestamp: 0 };
        assert!(broker_fields_utf8(&meta(&h)));
        assert!(!broker_fields_utf8(&meta(&h[..h.len() - 1])), "an entry cut short");
        let mut bad = h.clone();
        let last = bad.len() - 1;
        bad[last] = 0xff;
        assert!(!broker_fields_utf8(&meta(&bad)), "an entry that is not UTF-8");
    }
}

//! A measurement, not a product: what a purpose-built native ETL engine would cost per record for
//! heroflow's job. Newline-delimited records (one message value per line, the bytes heroflow receives) →
//! the four per-message tables of src/etl/schemas.ts → Parquet with heroflow's writer properties, in
//! parts (one row group) of 16,384 records, one file per table per segment of 100,000 records.
//!
//!   native-etl INPUT.ndjson OUT_DIR [--etl-id ID] [--topic T] [--segment-records N] [--part-records N]
//!              [--base-timestamp MS] [--json]
//!
//! Per line i (0-based, over the whole file), the broker side of the record is synthetic and fixed:
//! msg_id = a UUID-shaped id hashed from i (`msg_id` below; bench/native-etl/compare.ts makes the same),
//! one header `heroflow-msg-id=<msg_id>`, no key, offset i, partition 0, timestamp base + i ms.
//! See README.md beside this file for what is simplified.

mod scan;
mod tables;
mod timestamps;

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use arrow_schema::SchemaRef;
use parquet::arrow::arrow_writer::ArrowWriter;

use scan::{RecordScanner, KIND_GAME, KIND_LOBBY};
use tables::*;

const USAGE: &str = "usage: native-etl INPUT.ndjson OUT_DIR [options]
  --etl-id ID            etl_id of every row (default 00000000-0000-4000-8000-000000000000)
  --topic T              topic of every buffer_meta row (default lib.server.game)
  --segment-records N    records per segment, one file per table each (default 100000, heroflow's roll)
  --part-records N       records per Parquet part / row group (default 16384, etl-thread.ts CHUNK_ROWS)
  --base-timestamp MS    broker timestamp of line 0, epoch ms (default 1693526400000)
  --json                 print the summary as one JSON object instead of text
  --help                 this text";

struct Args {
    input: PathBuf,
    out_dir: PathBuf,
    etl_id: String,
    topic: String,
    segment_records: usize,
    part_records: usize,
    base_timestamp: i64,
    json: bool,
}

fn usage_error(message: &str) -> ! {
    eprintln!("{message}\n{USAGE}");
    std::process::exit(2);
}

fn parse_args() -> Args {
    let mut positional = Vec::new();
    let mut a = Args {
        input: PathBuf::new(),
        out_dir: PathBuf::new(),
        etl_id: "00000000-0000-4000-8000-000000000000".into(),
        topic: "lib.server.game".into(),
        segment_records: 100_000,
        part_records: 16_384,
        base_timestamp: 1_693_526_400_000,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().unwrap_or_else(|| usage_error(&format!("{name} needs a value")));
        let whole = |name: &str, v: String| -> usize {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n >= 1)
                .unwrap_or_else(|| usage_error(&format!("{name}: '{v}' is not a whole number ≥ 1")))
        };
        match arg.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--etl-id" => a.etl_id = value("--etl-id"),
            "--topic" => a.topic = value("--topic"),
            "--segment-records" => a.segment_records = whole("--segment-records", value("--segment-records")),
            "--part-records" => a.part_records = whole("--part-records", value("--part-records")),
            "--base-timestamp" => {
                let v = value("--base-timestamp");
                a.base_timestamp =
                    v.parse().unwrap_or_else(|_| usage_error(&format!("--base-timestamp: '{v}' is not a number")))
            }
            "--json" => a.json = true,
            s if s.starts_with('-') => usage_error(&format!("unknown flag '{s}'")),
            _ => positional.push(arg),
        }
    }
    if positional.len() != 2 {
        usage_error("give INPUT.ndjson and OUT_DIR");
    }
    for s in [&a.etl_id, &a.topic] {
        if !s.is_ascii() {
            usage_error("--etl-id and --topic must be ASCII");
        }
    }
    a.out_dir = PathBuf::from(positional.pop().unwrap());
    a.input = PathBuf::from(positional.pop().unwrap());
    a
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
fn msg_id(i: u64, out: &mut [u8; 36]) {
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

fn rusage() -> libc::rusage {
    // SAFETY: getrusage fills the struct it is given.
    unsafe {
        let mut r: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut r);
        r
    }
}

/// Peak RSS of this process image, kB: /proc/self/status VmHWM. Not getrusage's ru_maxrss, which a
/// child keeps from the parent it was forked from (a Node parent of 600 MB made it read ~285 MB).
fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn cpu_ms(r: &libc::rusage) -> f64 {
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    tv(r.ru_utime) + tv(r.ru_stime)
}

/// CPU time of this thread, ms (the process has one thread).
fn thread_cpu_ms() -> f64 {
    // SAFETY: clock_gettime fills the struct it is given.
    unsafe {
        let mut t: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t);
        t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
    }
}

const HEADER_PREFIX: &[u8] = b"heroflow-msg-id=";

struct Etl {
    args: Args,
    schemas: [SchemaRef; 4],
    scanner: RecordScanner,
    b: BufferCols,
    l: LogCols,
    lo: LobbyCols,
    g: GameCols,
    /// Records appended to the builders since the last part (etl-thread.ts: `seg.rows.records`).
    part_records: usize,
    /// Lines of the open segment (appended or skipped).
    segment_lines: usize,
    segment: usize,
    writers: [Option<ArrowWriter<Vec<u8>>>; 4],
    // Totals.
    records: u64,
    skipped: u64,
    oversized: u64,
    rows: [u64; 4],
    bytes: [u64; 4],
    files: Vec<PathBuf>,
    build_finish_cpu: f64,
    encode_cpu: f64,
    footer_cpu: f64,
    write_cpu: f64,
}

impl Etl {
    fn record(&mut self, line: &[u8], i: u64) {
        self.records += 1;
        self.segment_lines += 1;
        if line.len() > i16::MAX as usize {
            // heroflow dead-letters a value whose size does not fit serialized_value_size (int16).
            self.oversized += 1;
            self.skipped += 1;
        } else if self.scanner.scan(line).is_ok() {
            self.append(line, i);
        } else {
            self.skipped += 1;
        }
        if self.part_records >= self.args.part_records {
            self.ship();
        }
        if self.segment_lines == self.args.segment_records {
            self.finish_segment();
        }
    }

    fn append(&mut self, v: &[u8], i: u64) {
        let mut id_bytes = [0u8; 36];
        msg_id(i, &mut id_bytes);
        let id = ascii(&id_bytes);
        self.part_records += 1;

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
        b.timestamp.append_value(self.args.base_timestamp + i as i64);
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
    fn ship(&mut self) {
        self.part_records = 0;
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
            let etl_id = self.args.etl_id.as_str();
            let batch = match t {
                0 => self.b.finish(schema, etl_id, &self.args.topic),
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

    /// Ends the open segment: its last part, then one file per table (footer, then the file written).
    fn finish_segment(&mut self) {
        self.ship();
        for t in 0..4 {
            let Some(w) = self.writers[t].take() else { continue };
            let c0 = thread_cpu_ms();
            let bytes = w.into_inner().expect("parquet close");
            let c1 = thread_cpu_ms();
            let path = self.args.out_dir.join(format!("{}-{:03}.parquet", TABLES[t].name, self.segment));
            std::fs::write(&path, &bytes).expect("write output file");
            let c2 = thread_cpu_ms();
            self.bytes[t] += bytes.len() as u64;
            self.files.push(path);
            self.footer_cpu += c1 - c0;
            self.write_cpu += c2 - c1;
        }
        self.segment += 1;
        self.segment_lines = 0;
    }
}

fn main() {
    let args = parse_args();
    let wall0 = Instant::now();
    let ru0 = rusage();
    std::fs::create_dir_all(&args.out_dir).expect("create OUT_DIR");
    let mut file = File::open(&args.input).unwrap_or_else(|e| {
        eprintln!("native-etl: cannot open {}: {e}", args.input.display());
        std::process::exit(1);
    });
    let cap = args.part_records;
    let schemas = TABLES.map(storage_schema);
    let mut etl = Etl {
        args,
        schemas,
        scanner: RecordScanner::new(),
        b: BufferCols::new(cap),
        l: LogCols::new(cap),
        lo: LobbyCols::new(cap),
        g: GameCols::new(cap),
        part_records: 0,
        segment_lines: 0,
        segment: 0,
        writers: [None, None, None, None],
        records: 0,
        skipped: 0,
        oversized: 0,
        rows: [0; 4],
        bytes: [0; 4],
        files: Vec::new(),
        build_finish_cpu: 0.0,
        encode_cpu: 0.0,
        footer_cpu: 0.0,
        write_cpu: 0.0,
    };

    // The file is read in blocks (not loaded whole: peak RSS is the engine's, not the input's); lines are
    // handled in place in the block.
    let mut buf = vec![0u8; 4 << 20];
    let mut filled = 0usize;
    let mut read_cpu = 0.0;
    let mut line_no = 0u64;
    let mut eof = false;
    while !eof {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0); // a line longer than the block
        }
        let c0 = thread_cpu_ms();
        let n = file.read(&mut buf[filled..]).expect("read input");
        read_cpu += thread_cpu_ms() - c0;
        if n == 0 {
            eof = true;
        }
        filled += n;
        let mut start = 0;
        while let Some(k) = memchr::memchr(b'\n', &buf[start..filled]) {
            let line = &buf[start..start + k];
            if !line.is_empty() {
                etl.record(line, line_no);
                line_no += 1;
            }
            start += k + 1;
        }
        if eof && start < filled {
            let line = buf[start..filled].to_vec();
            etl.record(&line, line_no);
            line_no += 1;
            start = filled;
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
    }
    if etl.segment_lines > 0 || etl.part_records > 0 {
        etl.finish_segment();
    }
    let wall_ms = wall0.elapsed().as_secs_f64() * 1e3;
    let ru1 = rusage();
    let cpu = cpu_ms(&ru1) - cpu_ms(&ru0);
    let maxrss_kb = ru1.ru_maxrss;
    let peak_rss_kb = vm_hwm_kb().unwrap_or(maxrss_kb as u64);
    let encode = etl.encode_cpu + etl.footer_cpu;
    let scan_build = cpu - read_cpu - encode - etl.write_cpu;
    let records = etl.records;
    let us = |ms: f64| if records == 0 { 0.0 } else { ms * 1e3 / records as f64 };

    if etl.args.json {
        let names = TABLES.map(|t| t.name);
        let obj = |v: &[u64; 4]| {
            names.iter().zip(v).map(|(n, x)| format!("\"{n}\":{x}")).collect::<Vec<_>>().join(",")
        };
        println!(
            "{{\"records\":{records},\"skipped\":{},\"oversized\":{},\"segments\":{},\"files\":{},\"rows\":{{{}}},\"bytes\":{{{}}},\
\"wall_ms\":{wall_ms:.3},\"cpu_ms\":{cpu:.3},\"us_cpu_per_record\":{:.4},\"peak_rss_kb\":{peak_rss_kb},\"maxrss_kb\":{maxrss_kb},\
\"read_cpu_ms\":{read_cpu:.3},\"scan_build_cpu_ms\":{scan_build:.3},\"batch_finish_cpu_ms\":{:.3},\
\"encode_cpu_ms\":{encode:.3},\"footer_cpu_ms\":{:.3},\"write_cpu_ms\":{:.3}}}",
            etl.skipped,
            etl.oversized,
            etl.segment,
            etl.files.len(),
            obj(&etl.rows),
            obj(&etl.bytes),
            us(cpu),
            etl.build_finish_cpu,
            etl.footer_cpu,
            etl.write_cpu,
        );
        return;
    }
    println!("records: {records} ({} skipped by the fast path: not in any table; {} of them over 32,767 bytes)", etl.skipped, etl.oversized);
    println!("segments: {} ({} files in {})", etl.segment, etl.files.len(), etl.args.out_dir.display());
    for t in 0..4 {
        println!("  {:<17} {:>9} rows {:>12} bytes", TABLES[t].name, etl.rows[t], etl.bytes[t]);
    }
    println!("wall: {wall_ms:.1} ms ({:.0} records/s)", records as f64 / (wall_ms / 1e3));
    println!("CPU (user+sys, getrusage): {cpu:.1} ms = {:.2} µs per record", us(cpu));
    println!(
        "  read {read_cpu:.1} ms ({:.2} µs/rec) | scan+build {scan_build:.1} ms ({:.2} µs/rec; of which batch finish {:.1} ms) | \
Parquet encode+ZSTD {encode:.1} ms ({:.2} µs/rec; footers {:.1} ms) | file write {:.1} ms",
        us(read_cpu),
        us(scan_build),
        etl.build_finish_cpu,
        us(encode),
        etl.footer_cpu,
        etl.write_cpu,
    );
    println!(
        "peak RSS: {:.1} MB (VmHWM; getrusage maxrss {:.1} MB)",
        peak_rss_kb as f64 / 1024.0,
        maxrss_kb as f64 / 1024.0
    );
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

//! A measurement, not a product: what a purpose-built native ETL engine would cost per record for
//! heroflow's job. Newline-delimited records (one message value per line, the bytes heroflow receives) →
//! the four per-message tables of src/etl/schemas.ts → Parquet with heroflow's writer properties, in
//! parts (one row group) of 16,384 records, one file per table per segment of 100,000 records.
//!
//!   native-etl INPUT.ndjson OUT_DIR [--etl-id ID] [--topic T] [--segment-records N] [--part-records N]
//!              [--base-timestamp MS] [--json]
//!
//! Per line i (0-based, over the whole file), the broker side of the record is synthetic and fixed:
//! msg_id = a UUID-shaped id hashed from i (`msg_id` in engine.rs; bench/native-etl/compare.ts makes the
//! same), one header `heroflow-msg-id=<msg_id>`, no key, offset i, partition 0, timestamp base + i ms.
//! See README.md beside this file for what is simplified. The engine itself is the library (lib.rs,
//! engine.rs); this file reads the input, rolls segments and writes their files.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use heroflow_native_etl::engine::{thread_cpu_ms, Config, Engine, Meta, Outcome};
use heroflow_native_etl::tables::TABLES;

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

/// The broker side of line `i`, made up as compare.ts makes it for heroflow's JS ETL: a msg-id header, no
/// key, offset `i` on partition 0, broker time `base + i`.
fn synthetic_record(i: u64, base_timestamp: i64, f: impl FnOnce(&Meta)) {
    let mut id = [0u8; 36];
    msg_id(i, &mut id);
    let mut headers = [0u8; 4 + 16 + 36];
    headers[..4].copy_from_slice(&52u32.to_le_bytes());
    headers[4..20].copy_from_slice(b"heroflow-msg-id=");
    headers[20..].copy_from_slice(&id);
    f(&Meta { msg_id: &id, key: None, headers: &headers, offset: Some(i), partition: 0, timestamp: base_timestamp + i as i64 });
}

/// The binary's side of the engine: segments rolled on line count, their files written to OUT_DIR, totals.
struct Etl {
    engine: Engine,
    base_timestamp: i64,
    out_dir: PathBuf,
    segment_records: usize,
    json: bool,
    /// Lines of the open segment (appended or skipped).
    segment_lines: usize,
    segment: usize,
    // Totals.
    records: u64,
    skipped: u64,
    oversized: u64,
    bytes: [u64; 4],
    files: Vec<PathBuf>,
    write_cpu: f64,
}

impl Etl {
    fn record(&mut self, line: &[u8], i: u64) {
        self.records += 1;
        self.segment_lines += 1;
        let mut outcome = Outcome::Skipped;
        let engine = &mut self.engine;
        synthetic_record(i, self.base_timestamp, |meta| outcome = engine.record(line, meta));
        match outcome {
            Outcome::Appended => {}
            Outcome::Skipped => self.skipped += 1,
            Outcome::Oversized => {
                self.oversized += 1;
                self.skipped += 1;
            }
        }
        if self.segment_lines == self.segment_records {
            self.finish_segment();
        }
    }

    /// Ends the open segment: its last part, then one file per table (footer, then the file written).
    fn finish_segment(&mut self) {
        let (out_dir, segment) = (&self.out_dir, self.segment);
        let (bytes, files, write_cpu) = (&mut self.bytes, &mut self.files, &mut self.write_cpu);
        self.engine.finish_segment(|t, file| {
            let c0 = thread_cpu_ms();
            let path = out_dir.join(format!("{}-{:03}.parquet", TABLES[t].name, segment));
            std::fs::write(&path, &file).expect("write output file");
            *write_cpu += thread_cpu_ms() - c0;
            bytes[t] += file.len() as u64;
            files.push(path);
        });
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
    let mut etl = Etl {
        engine: Engine::new(Config {
            etl_id: args.etl_id,
            topic: args.topic,
            part_records: args.part_records,
            tables: [true; 4],
        }),
        base_timestamp: args.base_timestamp,
        out_dir: args.out_dir,
        segment_records: args.segment_records,
        json: args.json,
        segment_lines: 0,
        segment: 0,
        records: 0,
        skipped: 0,
        oversized: 0,
        bytes: [0; 4],
        files: Vec::new(),
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
    if etl.segment_lines > 0 || etl.engine.pending_records() > 0 {
        etl.finish_segment();
    }
    let wall_ms = wall0.elapsed().as_secs_f64() * 1e3;
    let ru1 = rusage();
    let cpu = cpu_ms(&ru1) - cpu_ms(&ru0);
    let maxrss_kb = ru1.ru_maxrss;
    let peak_rss_kb = vm_hwm_kb().unwrap_or(maxrss_kb as u64);
    let encode = etl.engine.encode_cpu + etl.engine.footer_cpu;
    let scan_build = cpu - read_cpu - encode - etl.write_cpu;
    let records = etl.records;
    let us = |ms: f64| if records == 0 { 0.0 } else { ms * 1e3 / records as f64 };

    if etl.json {
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
            obj(&etl.engine.rows),
            obj(&etl.bytes),
            us(cpu),
            etl.engine.build_finish_cpu,
            etl.engine.footer_cpu,
            etl.write_cpu,
        );
        return;
    }
    println!("records: {records} ({} skipped by the fast path: not in any table; {} of them over 32,767 bytes)", etl.skipped, etl.oversized);
    println!("segments: {} ({} files in {})", etl.segment, etl.files.len(), etl.out_dir.display());
    for t in 0..4 {
        println!("  {:<17} {:>9} rows {:>12} bytes", TABLES[t].name, etl.engine.rows[t], etl.bytes[t]);
    }
    println!("wall: {wall_ms:.1} ms ({:.0} records/s)", records as f64 / (wall_ms / 1e3));
    println!("CPU (user+sys, getrusage): {cpu:.1} ms = {:.2} µs per record", us(cpu));
    println!(
        "  read {read_cpu:.1} ms ({:.2} µs/rec) | scan+build {scan_build:.1} ms ({:.2} µs/rec; of which batch finish {:.1} ms) | \
Parquet encode+ZSTD {encode:.1} ms ({:.2} µs/rec; footers {:.1} ms) | file write {:.1} ms",
        us(read_cpu),
        us(scan_build),
        etl.engine.build_finish_cpu,
        us(encode),
        etl.engine.footer_cpu,
        etl.write_cpu,
    );
    println!(
        "peak RSS: {:.1} MB (VmHWM; getrusage maxrss {:.1} MB)",
        peak_rss_kb as f64 / 1024.0,
        maxrss_kb as f64 / 1024.0
    );
}

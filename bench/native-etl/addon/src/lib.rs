//! The native-etl engine in-process, as an N-API addon: the way heroflow's ETL worker thread would use it.
//! The thread hands over a chunk of raw message values (one Buffer, values back to back, and their end
//! offsets) and, at a segment's end, gets one Parquet file per table back. The engine (../src/engine.rs)
//! is the binary's, so for the same records the files are the binary's, byte for byte.
//!
//! Nothing is copied on the way in (the Buffer and the Uint32Array are read where V8 keeps them); the
//! files go out as Buffers over the engine's own memory where Node allows external buffers.
//!
//! Line numbers (msg_id, offset, timestamp of the synthetic broker side, see ../README.md) run on over
//! every push of the engine's life, as the binary's run over its input file.

use heroflow_native_etl::engine::{thread_cpu_ms, Config, Engine as Core, Outcome};
use napi::bindgen_prelude::{Buffer, Uint32Array};
use napi::{Error, Result};
use napi_derive::napi;

/// etl-thread.ts CHUNK_ROWS: records per Parquet part (row group).
const DEFAULT_PART_RECORDS: u32 = 16_384;

#[napi]
pub struct Engine {
    core: Core,
    /// Line number of the next value pushed.
    next_line: u64,
    skipped: u32,
    /// CPU ms of the calling thread inside push and finish: the engine's own work, without the N-API
    /// crossing and the argument/result conversions around it.
    inside_cpu_ms: f64,
}

#[napi]
impl Engine {
    /// `new Engine(etlId, topic, baseTimestamp, partRecords?)`: one stream, as the binary's flags.
    #[napi(constructor)]
    pub fn new(
        etl_id: String,
        topic: String,
        base_timestamp: i64,
        part_records: Option<u32>,
    ) -> Result<Self> {
        if !etl_id.is_ascii() || !topic.is_ascii() {
            // The columns copy them as ASCII spans (tables.rs `ascii`).
            return Err(Error::from_reason("etlId and topic must be ASCII"));
        }
        let part_records = part_records.unwrap_or(DEFAULT_PART_RECORDS).max(1) as usize;
        let config = Config { etl_id, topic, part_records, base_timestamp };
        Ok(Engine { core: Core::new(config), next_line: 0, skipped: 0, inside_cpu_ms: 0.0 })
    }

    /// One chunk: value k is `values[ends[k-1]..ends[k]]` (from 0 for k = 0). Returns the indices (in this
    /// chunk) of the values the fast path could not read, or that are over 32,767 bytes: they are in no
    /// table; heroflow would give them to its JS path.
    #[napi]
    pub fn push(&mut self, values: Buffer, ends: Uint32Array) -> Result<Uint32Array> {
        let c0 = thread_cpu_ms();
        check_ends(&ends, values.len())?;
        let mut skipped = Vec::new();
        let mut start = 0usize;
        for (k, &end) in ends.iter().enumerate() {
            let end = end as usize;
            if self.core.record(&values[start..end], self.next_line) != Outcome::Appended {
                skipped.push(k as u32);
            }
            self.next_line += 1;
            start = end;
        }
        self.skipped += skipped.len() as u32;
        self.inside_cpu_ms += thread_cpu_ms() - c0;
        Ok(Uint32Array::new(skipped))
    }

    /// Ends the segment: one Parquet file per table, in the order buffer_meta, log_meta,
    /// lib_server_lobby, lib_server_game (the binary's files `<table>-NNN.parquet`); an empty Buffer for a
    /// table that got no rows (the binary writes no file). The next push starts the next segment.
    #[napi]
    pub fn finish(&mut self) -> Vec<Buffer> {
        let c0 = thread_cpu_ms();
        let mut files: Vec<Vec<u8>> = vec![Vec::new(); 4];
        self.core.finish_segment(|t, bytes| files[t] = bytes);
        self.inside_cpu_ms += thread_cpu_ms() - c0;
        files.into_iter().map(Buffer::from).collect()
    }

    /// Values pushed so far that are in no table.
    #[napi(getter)]
    pub fn skipped(&self) -> u32 {
        self.skipped
    }

    /// CPU ms spent inside push and finish (see the field).
    #[napi(getter)]
    pub fn inside_cpu_ms(&self) -> f64 {
        self.inside_cpu_ms
    }
}

/// The end offsets must rise and stay within the Buffer: a bad chunk is an error, not a crash of Node.
fn check_ends(ends: &[u32], len: usize) -> Result<()> {
    let mut prev = 0u32;
    for &end in ends {
        if end < prev || end as usize > len {
            return Err(Error::from_reason(format!("ends: {end} after {prev} (values are {len} bytes)")));
        }
        prev = end;
    }
    Ok(())
}

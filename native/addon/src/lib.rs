//! The native ETL engine in-process, as an N-API addon: heroflow's ETL thread (src/etl/native-engine.ts)
//! opens one `Engine` per segment, hands it each packed chunk as the main thread packed it (src/etl/
//! packed.ts: a Float64Array of STRIDE fields per record and the bytes they point into) and, at the
//! segment's end, gets one Parquet file per table back.
//!
//! Nothing is copied on the way in (both arrays are read where V8 keeps them); the files go out as
//! Buffers. Records the engine does not read (`push` returns their indices) are the JS path's.

use heroflow_native_etl::engine::{thread_cpu_ms, Config, Engine as Core, Meta, Outcome};
use heroflow_native_etl::tables::TABLES;
use napi::bindgen_prelude::{Buffer, Float64Array, Uint32Array, Uint8Array};
use napi::{Error, Result};
use napi_derive::napi;

/// packed.ts: fields per record and their places.
const STRIDE: usize = 12;
const F_TIME: usize = 0;
const F_OFFSET: usize = 1;
const F_PARTITION: usize = 2;
const F_VALUE: usize = 3;
const F_VALUE_END: usize = 4;
const F_KEY: usize = 5;
const F_KEY_END: usize = 6;
const F_HEADERS: usize = 7;
const F_HEADERS_END: usize = 8;
const F_ID: usize = 9;
const F_ID_END: usize = 10;
const F_X: usize = 11;

#[napi]
pub struct Engine {
    core: Core,
    /// Of the last push: the index of its first appended record (-1: none) and that record's envelope time.
    first_index: i32,
    first_time: f64,
    /// CPU ms of the calling thread inside push and finish.
    cpu_ms: f64,
}

#[napi]
impl Engine {
    /// `new Engine(etlId, topic, tables, partRecords)`: one segment. `tables` names the tables to build
    /// (buffer_meta, log_meta, lib_server_lobby, lib_server_game; others are ignored).
    #[napi(constructor)]
    pub fn new(etl_id: String, topic: String, tables: Vec<String>, part_records: u32) -> Result<Self> {
        let selected = TABLES.map(|t| tables.iter().any(|n| n == t.name));
        let config = Config { etl_id, topic, part_records: part_records.max(1) as usize, tables: selected };
        Ok(Engine { core: Core::new(config), first_index: -1, first_time: f64::NAN, cpu_ms: 0.0 })
    }

    /// Records `0..count` of a packed chunk. Returns the indices of those the engine did not read, in
    /// order: the JS path's (JSON.parse and validation, dead letters).
    #[napi(catch_unwind)]
    pub fn push(&mut self, meta: Float64Array, bytes: Uint8Array, count: u32) -> Result<Uint32Array> {
        let c0 = thread_cpu_ms();
        let count = count as usize;
        if meta.len() < count * STRIDE {
            return Err(Error::from_reason(format!("meta holds {} fields, {count} records need {}", meta.len(), count * STRIDE)));
        }
        self.first_index = -1;
        self.first_time = f64::NAN;
        let mut skipped = Vec::new();
        for i in 0..count {
            let m = &meta[i * STRIDE..(i + 1) * STRIDE];
            let span = |from: usize, to: usize| -> Result<&[u8]> {
                let (a, z) = (m[from] as usize, m[to] as usize);
                bytes.get(a..z).ok_or_else(|| {
                    Error::from_reason(format!("record {i}: span {a}..{z} outside the chunk's {} bytes", bytes.len()))
                })
            };
            let offset = match m[F_OFFSET] {
                o if o >= 0.0 => Some(o as u64),
                o if o == -1.0 => None,
                // Past 2^53: its decimal text follows the msg_id.
                _ => std::str::from_utf8(span(F_ID_END, F_X)?).ok().and_then(|t| t.parse().ok()),
            };
            let record = Meta {
                msg_id: span(F_ID, F_ID_END)?,
                key: if m[F_KEY] < 0.0 { None } else { Some(span(F_KEY, F_KEY_END)?) },
                headers: span(F_HEADERS, F_HEADERS_END)?,
                offset,
                // As a Uint8Array stores it (packed.ts numbers → rows.ts fixed columns): modulo 256.
                partition: m[F_PARTITION] as i64 as u8,
                timestamp: m[F_TIME].floor() as i64,
            };
            let big_offset_unread = m[F_OFFSET] == -2.0 && offset.is_none();
            if big_offset_unread || self.core.record(span(F_VALUE, F_VALUE_END)?, &record) != Outcome::Appended {
                skipped.push(i as u32);
            } else if self.first_index < 0 {
                self.first_index = i as i32;
                self.first_time = self.core.last_envelope_time() as f64;
            }
        }
        self.cpu_ms += thread_cpu_ms() - c0;
        Ok(Uint32Array::new(skipped))
    }

    /// Ends the segment: per table in `TABLES` order, its Parquet file, or an empty Buffer for a table
    /// that got no rows.
    #[napi(catch_unwind)]
    pub fn finish(&mut self) -> Vec<Buffer> {
        let c0 = thread_cpu_ms();
        let mut files: Vec<Vec<u8>> = vec![Vec::new(); TABLES.len()];
        self.core.finish_segment(|t, bytes| files[t] = bytes);
        self.cpu_ms += thread_cpu_ms() - c0;
        files.into_iter().map(Buffer::from).collect()
    }

    /// Rows per table in `TABLES` order, shipped so far (all of them after finish).
    #[napi(getter)]
    pub fn rows(&self) -> Vec<u32> {
        self.core.rows.iter().map(|&n| n as u32).collect()
    }

    /// Per table in `TABLES` order, CPU ms spent making its file: batches, encoding, footer.
    #[napi(getter)]
    pub fn encode_ms(&self) -> Vec<f64> {
        self.core.table_cpu.to_vec()
    }

    /// Of the last push: the index of its first appended record, -1 when it appended none.
    #[napi(getter)]
    pub fn first_index(&self) -> i32 {
        self.first_index
    }

    /// Of the last push: the envelope time (epoch ms) of its first appended record, NaN when none.
    #[napi(getter)]
    pub fn first_time(&self) -> f64 {
        self.first_time
    }

    /// CPU ms this engine spent inside push and finish.
    #[napi(getter)]
    pub fn cpu_ms(&self) -> f64 {
        self.cpu_ms
    }
}

// glibc's `mallopt` and two of its parameters (malloc.h).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
extern "C" {
    fn mallopt(param: i32, value: i32) -> i32;
}
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_TRIM_THRESHOLD: i32 = -1;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const M_MMAP_THRESHOLD: i32 = -3;

/// Fixes glibc's mmap and trim thresholds for the whole process; false where the allocator is not glibc's.
///
/// glibc raises its mmap threshold to the size of each mmapped block it frees (up to 32 MiB), and its trim
/// threshold to twice that. A worker frees 1–2 MiB buffers many times a second (fetch responses, packed
/// chunks), so after the first few they are carved from the heap arenas, whose freed memory stays
/// resident. Fixed thresholds keep them mapped, and their pages go back to the system when freed.
#[napi]
pub fn set_malloc_thresholds(mmap_bytes: u32, trim_bytes: u32) -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let int = |n: u32| n.min(i32::MAX as u32) as i32;
        // SAFETY: mallopt only sets allocator parameters; a value it does not take is refused (returns 0).
        unsafe {
            mallopt(M_MMAP_THRESHOLD, int(mmap_bytes)) == 1
                && mallopt(M_TRIM_THRESHOLD, int(trim_bytes)) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        let _ = (mmap_bytes, trim_bytes);
        false
    }
}

//! The native ETL engine as a library: the binary (main.rs) and the N-API addon (addon/) drive the same
//! code, so their Parquet files can be compared byte for byte. See README.md beside src/.

pub mod engine;
pub mod scan;
pub mod tables;
pub mod timestamps;

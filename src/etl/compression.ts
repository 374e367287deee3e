/** The Parquet codecs a worker can write, by name: plain data, so that settings and the sink name them
 * without loading the encoder (writer-properties.ts maps them to parquet-wasm's). */
export const COMPRESSIONS = ['zstd', 'snappy', 'gzip', 'lz4', 'brotli', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
/** ZSTD: files about half the size of SNAPPY's at a similar encode time (docs/parquet.md). */
export const DEFAULT_COMPRESSION: Compression = 'zstd';

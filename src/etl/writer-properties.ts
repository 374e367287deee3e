/**
 * Codec choice and parquet-wasm writer properties. Kept apart from parquet.ts so that the encoder thread
 * (encoder-worker.ts) loads only parquet-wasm and not apache-arrow: the thread starts faster.
 */
import { Compression as PwCompression, type WriterProperties, WriterPropertiesBuilder } from 'parquet-wasm';

export const COMPRESSIONS = ['zstd', 'snappy', 'gzip', 'lz4', 'brotli', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];
/** ZSTD: files about half the size of SNAPPY's at a similar encode time (docs/parquet.md). */
export const DEFAULT_COMPRESSION: Compression = 'zstd';

const CODECS: Record<Compression, PwCompression> = {
  zstd: PwCompression.ZSTD,
  snappy: PwCompression.SNAPPY,
  gzip: PwCompression.GZIP,
  lz4: PwCompression.LZ4_RAW,
  brotli: PwCompression.BROTLI,
  none: PwCompression.UNCOMPRESSED,
};

const CREATED_BY = 'heroflow (parquet-wasm 0.8.0)';

/** parquet-wasm takes ownership of the properties, so they are built per file. */
export function writerProperties(compression: Compression): WriterProperties {
  return new WriterPropertiesBuilder().setCompression(CODECS[compression]).setCreatedBy(CREATED_BY).build();
}

/**
 * Output file systems behind one interface. Paths are relative, '/'-separated keys
 * ("lib_server_game/date=2026-11-23/lib.server.game+0003+00000000000000001042.parquet").
 */
export interface WriteOptions {
  /**
   * Conditional create: refuse (HF_STORAGE_EXISTS) when an object already exists at the path, decided
   * atomically by the store (docs/storage.md lists how each store does it). Default: overwrite, which is
   * what a replay does with the file it names.
   */
  ifAbsent?: boolean;
}

export interface Storage {
  /** Where this storage writes, for summaries ("file:///abs/output", "s3://bucket/prefix"); never a secret. */
  readonly url: string;
  /**
   * Write the whole object atomically and durably: a reader sees the old object or the new one, never
   * a part; on return the bytes survive a crash (temp + fsync + rename, a single put, or a multipart
   * upload completed — and aborted on failure). Failures are HF_STORAGE_IO with redacted messages.
   */
  write(path: string, data: Uint8Array, options?: WriteOptions): Promise<void>;
  read(path: string): Promise<Uint8Array>;
  /** Every object path under a prefix ('' = all), sorted. */
  list(prefix?: string): Promise<string[]>;
  /**
   * Optional, for stores where a writer can find out before its first file: fail now (HF_STORAGE_IO,
   * one line) if nothing can be written here, and clean what crashed writers of this store left behind.
   * Returns how many leftovers were removed.
   */
  prepare?(): Promise<{ removed: number }>;
  close(): Promise<void>;
}

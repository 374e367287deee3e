/**
 * Output file systems behind one interface. Paths are relative, '/'-separated keys
 * ("lib_server_game/date=2026-11-23/lib.server.game+0003+00000000000000001042.parquet").
 */
export interface Storage {
  /** Where this storage writes, for summaries ("file:///abs/output", "s3://bucket/prefix"). */
  readonly url: string;
  /**
   * Write the whole object atomically and durably: a reader sees the old object or the new one, never
   * a part; on return the bytes survive a crash (temp + fsync + rename, or a single put).
   */
  write(path: string, data: Uint8Array): Promise<void>;
  read(path: string): Promise<Uint8Array>;
  /** Every object path under a prefix ('' = all), sorted. */
  list(prefix?: string): Promise<string[]>;
  close(): Promise<void>;
}

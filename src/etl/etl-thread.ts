/**
 * The ETL thread (etl-pool.ts starts it): packed records in, Parquet files out.
 *
 * Per open segment: the native engine (native-engine.ts) where it runs, the column builders (rows.ts) and,
 * per table, the rows built so far as Parquet parts. With the native engine, a chunk goes to it whole and
 * the records it hands back go the JS way; without it, every record does. The JS way reads a record by the
 * fast path (scan-record.ts) or, when it does not fit it, by the generic path (record.ts), which also names
 * the rejections; every CHUNK_ROWS records each table's builder is encoded into a Parquet part (one row
 * group, compressed) and the builders start again in the same buffers. A finish joins each table's parts
 * (the engine's file first) into one file without decoding them (parquet-merge.ts).
 *
 * Why parts and not the rows until the roll: an open segment then holds compressed pages, ~20 B a record,
 * where Arrow IPC of the same rows took ~700 B; the encoder's wasm memory is bounded by one part, not one
 * segment; and the roll only copies bytes. Why not parquet-wasm's streaming writer: its batches wait in
 * wasm memory until the writer's async loop takes them, and on a busy thread it lags; wasm memory never
 * shrinks, so a worker with four open segments sat at 200 MB of wasm memory (docs/performance.md).
 *
 * Messages are handled in arrival order; a failure is kept on its segment and reported by its finish.
 */
import { parentPort } from 'node:worker_threads';
import { replaceArrowSchema } from './arrow-schema-footer.js';
import type { EncodedFile, EtlReply, EtlRequest, SegmentFinish, SegmentOpen } from './etl-pool.js';
import { NATIVE_TABLES, type NativeSegment, nativeAddon, usesNative } from './native-engine.js';
import type { PackedChunk } from './packed.js';
import { encodeParquet, footerSchema, writeTable } from './parquet.js';
import { mergeParquet } from './parquet-merge.js';
import { SegmentRows } from './rows.js';
import { RecordScanner } from './scan-record.js';
import { ETL_META, type TableName } from './schemas.js';
import { TableBuilder } from './table-builder.js';
import { transformRecord } from './transform.js';

/**
 * Records per Parquet part (one row group): the builders of every open segment hold up to this many rows
 * before they are encoded (smaller: more row groups and footer entries; larger: more builder memory).
 */
const CHUNK_ROWS = 16_384;

class ThreadSegment {
  /** The native engine's segment, where it runs; it reads the records and hands back those it does not. */
  readonly native: NativeSegment | undefined;
  /** The JS builders: every record without the native engine, else the records it handed back. */
  readonly rows: SegmentRows;
  /** Per table, its rows so far as Parquet parts of CHUNK_ROWS records, and the time spent encoding. */
  private readonly parts = new Map<TableName, { rows: number; parts: Uint8Array[]; encodeMs: number }>();
  failure: unknown;

  constructor(readonly o: SegmentOpen) {
    this.rows = new SegmentRows(o.etlId, o.topic, new Set(o.tables));
    const addon = usesNative(o.engine ?? 'auto', o.compression) ? nativeAddon() : undefined;
    if (addon !== undefined && typeof addon !== 'string')
      this.native = new addon.Engine(o.etlId, o.topic, o.tables, CHUNK_ROWS);
  }

  /** The rows built so far into a Parquet part per table; the builders start again in the same buffers. */
  ship(): void {
    for (const [spec, builder] of this.rows.tables()) {
      if (builder.rows === 0) continue;
      let table = this.parts.get(spec.name);
      if (table === undefined) {
        table = { rows: 0, parts: [], encodeMs: 0 };
        this.parts.set(spec.name, table);
      }
      const started = performance.now();
      table.rows += builder.rows;
      table.parts.push(writeTable(builder.finish(), this.o.compression));
      table.encodeMs += performance.now() - started;
    }
    this.rows.reset();
  }

  finish(f: SegmentFinish): EncodedFile[] {
    if (this.failure !== undefined) throw this.failure;
    this.ship();
    const native = this.native;
    const nativeFiles = native?.finish();
    const out: EncodedFile[] = [];
    for (const [spec] of this.rows.tables()) {
      const table = this.parts.get(spec.name) ?? { rows: 0, parts: [], encodeMs: 0 };
      const k = (NATIVE_TABLES as readonly string[]).indexOf(spec.name);
      const nativeFile = nativeFiles?.[k];
      // A copy: the engine's Buffer is external memory, which postMessage cannot transfer.
      const parts = nativeFile?.byteLength ? [new Uint8Array(nativeFile), ...table.parts] : table.parts;
      if (parts.length === 0) continue;
      const started = performance.now();
      const bytes = mergeParquet(parts);
      this.parts.delete(spec.name);
      const schema = footerSchema(spec);
      out.push({
        table: spec.name,
        rows: table.rows + (nativeFile?.byteLength ? native!.rows[k] : 0),
        bytes: schema === undefined ? bytes : replaceArrowSchema(bytes, schema),
        encodeMs: table.encodeMs + (native?.encodeMs[k] ?? 0) + performance.now() - started,
      });
    }
    // A segment of malformed messages only wrote nothing: no ETL run to describe.
    if (out.length > 0 && this.o.tables.includes('etl_meta')) {
      const meta = new TableBuilder(ETL_META);
      meta.utf8('etl_id').append(this.o.etlId);
      meta.utf8('service').append(f.service);
      meta.utf8('mode').append(f.mode);
      meta.int64('timestamp_start').append(f.openedAt);
      meta.int64('timestamp_end').append(f.endedAt);
      out.push({
        table: 'etl_meta',
        rows: 1,
        bytes: encodeParquet(ETL_META, meta.finish(), this.o.compression),
        encodeMs: 0,
      });
    }
    return out;
  }
}

const segments = new Map<number, ThreadSegment>();
const scanner = new RecordScanner();
const port = parentPort!;

function chunk(seg: ThreadSegment, c: PackedChunk): EtlReply & { kind: 'chunk' } {
  const rejects: [number, string][] = [];
  let firstTime = Number.NaN;
  let firstIndex = Number.POSITIVE_INFINITY;
  const theJsWay = (i: number) => {
    const outcome = transformRecord(seg.rows, c, i, scanner);
    if (typeof outcome === 'string') rejects.push([i, outcome]);
    else if (i < firstIndex) {
      firstIndex = i;
      firstTime = outcome;
    }
    if (seg.rows.records >= CHUNK_ROWS) seg.ship();
  };
  if (seg.native === undefined) for (let i = 0; i < c.count; i++) theJsWay(i);
  else {
    const handedBack = seg.native.push(c.meta, c.bytes, c.count);
    if (seg.native.firstIndex >= 0) {
      firstIndex = seg.native.firstIndex;
      firstTime = seg.native.firstTime;
    }
    for (const i of handedBack) theJsWay(i);
  }
  return { req: 0, kind: 'chunk', rejects, firstTime };
}

function reply(r: EtlReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(r, transfer);
}

port.on('message', (m: EtlRequest) => {
  switch (m.op) {
    case 'open':
      segments.set(m.seg, new ThreadSegment(m));
      return;
    case 'chunk': {
      const seg = segments.get(m.seg);
      if (seg === undefined)
        return reply({ req: m.req, kind: 'error', error: `segment ${m.seg} is not open` });
      if (seg.failure !== undefined) return reply({ req: m.req, kind: 'error', error: String(seg.failure) });
      try {
        reply({ ...chunk(seg, m.chunk), req: m.req });
      } catch (err) {
        seg.failure = err;
        reply({ req: m.req, kind: 'error', error: String(err) });
      }
      return;
    }
    case 'finish': {
      const seg = segments.get(m.seg);
      segments.delete(m.seg);
      if (seg === undefined)
        return reply({ req: m.req, kind: 'error', error: `segment ${m.seg} is not open` });
      try {
        const files = seg.finish(m);
        reply(
          { req: m.req, kind: 'finish', files },
          files.map((f) => f.bytes.buffer as ArrayBuffer),
        );
      } catch (err) {
        reply({ req: m.req, kind: 'error', error: String(err) });
      }
      return;
    }
    case 'abort':
      segments.delete(m.seg);
      return;
  }
});

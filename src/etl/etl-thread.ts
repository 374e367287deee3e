/**
 * The ETL thread (etl-pool.ts starts it): packed records in, Parquet files out.
 *
 * Per open segment: the column builders (rows.ts) and, per table, a parquet-wasm streaming writer
 * (`transformParquetStream`, arrow-rs' ArrowWriter). Each record is read by the fast path (scan-record.ts)
 * or, when it does not fit it, by the generic path (record.ts), which also names the rejections; every
 * CHUNK_ROWS records the built rows go to the writers, which encode and compress them into pages at once,
 * so a finish only has the tail and the footers left to do.
 *
 * Messages are handled in arrival order; a failure is kept on its segment and reported by its finish.
 */
import { parentPort } from 'node:worker_threads';
import { tableToIPC } from 'apache-arrow';
import { transformParquetStream, Table as WasmTable } from 'parquet-wasm';
import { replaceArrowSchema } from './arrow-schema-footer.js';
import type { EncodedFile, EtlReply, EtlRequest, SegmentFinish, SegmentOpen } from './etl-pool.js';
import type { PackedChunk } from './packed.js';
import { encodeParquet, footerSchema } from './parquet.js';
import { SegmentRows } from './rows.js';
import { RecordScanner } from './scan-record.js';
import { ETL_META, type TableName } from './schemas.js';
import { TableBuilder } from './table-builder.js';
import { transformRecord } from './transform.js';
import { type Compression, writerProperties } from './writer-properties.js';

/**
 * Records per batch handed to the writers. parquet-wasm's streaming writer costs noticeably more CPU per
 * row below ~32k rows per batch (docs/parquet.md); larger batches hold more columns in memory.
 */
const CHUNK_ROWS = 32_768;

interface OpenFile {
  controller: ReadableStreamDefaultController<unknown>;
  /** The encoded file's parts; settles after the input stream is closed (or errored). */
  output: Promise<Uint8Array[]>;
  rows: number;
}

function openFile(compression: Compression): OpenFile {
  let controller!: ReadableStreamDefaultController<unknown>;
  const input = new ReadableStream({
    start(c) {
      controller = c;
    },
  });
  // transformParquetStream resolves only once it has read the first batch (it needs the schema), so the
  // promise is chained here and not awaited.
  const output = transformParquetStream(input, writerProperties(compression)).then(async (stream) => {
    const parts: Uint8Array[] = [];
    for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
    return parts;
  });
  output.catch(() => {}); // reported by finish; an aborted file's rejection is expected
  return { controller, output, rows: 0 };
}

function concat(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

class ThreadSegment {
  rows: SegmentRows;
  private readonly files = new Map<TableName, OpenFile>();
  failure: unknown;

  constructor(readonly o: SegmentOpen) {
    this.rows = new SegmentRows(o.etlId, o.topic, new Set(o.tables));
  }

  /** The rows built so far to the writers; a fresh set of builders for what comes next. */
  ship(): void {
    for (const [spec, builder] of this.rows.tables()) {
      if (builder.rows === 0) continue;
      let file = this.files.get(spec.name);
      if (file === undefined) {
        file = openFile(this.o.compression);
        this.files.set(spec.name, file);
      }
      file.rows += builder.rows;
      // One IPC stream per batch; the writer takes ownership of the wasm batches.
      const ipc = tableToIPC(builder.finish(), 'stream');
      for (const batch of WasmTable.fromIPCStream(ipc).recordBatches()) file.controller.enqueue(batch);
    }
    this.rows = new SegmentRows(this.o.etlId, this.o.topic, new Set(this.o.tables));
  }

  async finish(f: SegmentFinish): Promise<EncodedFile[]> {
    if (this.failure !== undefined) throw this.failure;
    this.ship();
    const tables = this.rows.tables().map(([spec]) => spec);
    const out: EncodedFile[] = [];
    // Every writer is closed before the first is awaited: the tails encode back to back.
    for (const file of this.files.values()) file.controller.close();
    for (const spec of tables) {
      const file = this.files.get(spec.name);
      if (file === undefined) continue;
      const bytes = concat(await file.output);
      const schema = footerSchema(spec);
      out.push({
        table: spec.name,
        rows: file.rows,
        bytes: schema === undefined ? bytes : replaceArrowSchema(bytes, schema),
      });
    }
    this.files.clear();
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
      });
    }
    return out;
  }

  abort(): void {
    for (const file of this.files.values()) file.controller.error(new Error('aborted'));
    this.files.clear();
  }
}

const segments = new Map<number, ThreadSegment>();
const scanner = new RecordScanner();
const port = parentPort!;

function chunk(seg: ThreadSegment, c: PackedChunk): EtlReply & { kind: 'chunk' } {
  const rejects: [number, string][] = [];
  let firstTime = Number.NaN;
  for (let i = 0; i < c.count; i++) {
    const outcome = transformRecord(seg.rows, c, i, scanner);
    if (typeof outcome === 'string') rejects.push([i, outcome]);
    else if (i === 0) firstTime = outcome;
    if (seg.rows.records >= CHUNK_ROWS) seg.ship();
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
      seg.finish(m).then(
        (files) =>
          reply(
            { req: m.req, kind: 'finish', files },
            files.map((f) => f.bytes.buffer as ArrayBuffer),
          ),
        (err: unknown) => reply({ req: m.req, kind: 'error', error: String(err) }),
      );
      return;
    }
    case 'abort':
      segments.get(m.seg)?.abort();
      segments.delete(m.seg);
      return;
  }
});

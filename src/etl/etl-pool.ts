/**
 * EtlPool: the ETL on a second thread (etl-thread.ts). The main thread keeps the broker client and the
 * bookkeeping (segments, rolls, commits, dead letters); the thread parses the packed records, builds the
 * columns and encodes Parquet. On two cores that splits one worker's work about evenly
 * (docs/performance.md), where before the main thread parsed and built while the other core mostly waited.
 *
 *   const seg = pool.open({ topic, etlId, tables, compression });
 *   const { rejects, firstTime } = await pool.chunk(seg, packer.take());   // buffers are transferred
 *   const files = await pool.finish(seg, { service, mode, openedAt, endedAt });
 *   pool.abort(seg);                                                      // a dropped segment
 *   await pool.close();
 *
 * Messages are handled by the thread in the order sent, so a finish answers after every chunk of its
 * segment. The thread starts at warmUp() or the first request, is unref'd while nothing is outstanding
 * (an idle pool never keeps the process alive) and ref'd while a reply is awaited. If it dies, every
 * outstanding and later request rejects with the cause.
 */
import { Worker } from 'node:worker_threads';
import type { Compression } from './compression.js';
import type { EtlEngine } from './native-engine.js';
import type { PackedChunk } from './packed.js';
import type { TableName } from './schemas.js';

export interface SegmentOpen {
  topic: string;
  etlId: string;
  tables: TableName[];
  compression: Compression;
  /** Which ETL engine reads the segment's records (native-engine.ts); default auto. */
  engine?: EtlEngine;
}

/** etl_meta's row, written by the thread with the segment's files. */
export interface SegmentFinish {
  service: string;
  mode: string;
  openedAt: number;
  endedAt: number;
}

export interface ChunkResult {
  /** Index in the chunk and reason, for each record the ETL refused (dead letters). */
  rejects: [number, string][];
  /** The envelope time of the chunk's first record that parsed; NaN if every one was refused. */
  firstTime: number;
}

export interface EncodedFile {
  table: TableName;
  rows: number;
  bytes: Uint8Array;
  /** Time the thread spent encoding this file. */
  encodeMs: number;
}

export type EtlRequest =
  | ({ op: 'open'; seg: number } & SegmentOpen)
  | { op: 'chunk'; seg: number; req: number; chunk: PackedChunk }
  | ({ op: 'finish'; seg: number; req: number } & SegmentFinish)
  | { op: 'abort'; seg: number };

export type EtlReply =
  | ({ req: number; kind: 'chunk' } & ChunkResult)
  | { req: number; kind: 'finish'; files: EncodedFile[] }
  | { req: number; kind: 'error'; error: string };

/**
 * The thread's entry: the compiled .js next to this file in dist/, or the .ts source when this module
 * itself runs from source under tsx (tests, the bench).
 */
export function defaultEtlEntry(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./etl-thread.${ext}`, import.meta.url);
}

/**
 * A .ts entry cannot rely on the parent's `--import tsx` reaching the thread (node --test's children do
 * not pass it on), so it is loaded through tsx's register API, which only exists where the source runs.
 */
function spawn(entry: URL | string): Worker {
  const url = entry instanceof URL ? entry.href : entry;
  if (!url.endsWith('.ts')) return new Worker(entry);
  // Resolved here: an eval'd thread would resolve bare specifiers from the working directory.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(boot, { eval: true });
}

interface Waiter {
  resolve: (r: EtlReply) => void;
  reject: (err: Error) => void;
}

/** One thread and the replies it owes. */
class EtlThread {
  private worker: Worker | undefined;
  readonly waiting = new Map<number, Waiter>();
  /** Segments open on this thread (the pool opens a new one on the thread with the fewest). */
  segments = 0;

  constructor(
    private readonly entry: URL | string,
    private readonly die: (err: Error) => void,
    private readonly isClosed: () => boolean,
  ) {}

  start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = spawn(this.entry);
    worker.on('message', (r: EtlReply) => this.settle(r));
    worker.on('error', (err) => this.die(err));
    worker.on('exit', (code) => {
      if (!this.isClosed()) this.die(new Error(`the ETL thread exited (code ${code})`));
    });
    // After the listeners: adding a 'message' listener refs the worker again.
    if (this.waiting.size === 0) worker.unref();
    this.worker = worker;
    return worker;
  }

  request(m: EtlRequest & { req: number }, transfer: ArrayBuffer[]): Promise<EtlReply> {
    return new Promise<EtlReply>((resolve, reject) => {
      this.waiting.set(m.req, {
        resolve: (r) =>
          r.kind === 'error' ? reject(new Error(`Parquet ETL failed: ${r.error}`)) : resolve(r),
        reject,
      });
      if (this.waiting.size === 1) this.worker?.ref();
      this.start().postMessage(m, transfer);
    });
  }

  post(m: EtlRequest, transfer: ArrayBuffer[] = []): void {
    this.start().postMessage(m, transfer);
  }

  private settle(r: EtlReply): void {
    const w = this.waiting.get(r.req);
    if (w === undefined) return;
    this.waiting.delete(r.req);
    if (this.waiting.size === 0) this.worker?.unref();
    w.resolve(r);
  }

  failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    this.worker?.unref();
  }

  async terminate(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker !== undefined) await worker.terminate();
  }
}

/**
 * `threads` ETL threads (default 1). A segment lives on one thread from open to finish, so its chunks stay
 * in order; new segments go to the thread holding the fewest. More than one pays where the main thread
 * has a core to spare (memory://, light clients); with Kafka on two cores the CPU is already full
 * (docs/performance.md).
 */
export class EtlPool {
  private readonly threads: EtlThread[];
  /** Which thread each open segment lives on. */
  private readonly home = new Map<number, EtlThread>();
  private nextSeg = 1;
  private nextReq = 1;
  private broken: Error | undefined;
  private closed = false;

  constructor(entry: URL | string = defaultEtlEntry(), threads = 1) {
    const die = (err: Error) => this.die(err);
    const isClosed = () => this.closed;
    this.threads = Array.from({ length: Math.max(1, threads) }, () => new EtlThread(entry, die, isClosed));
  }

  /** Starts the threads now (loading parquet-wasm and Arrow takes a few hundred ms) instead of at the first chunk. */
  warmUp(): void {
    if (this.broken === undefined && !this.closed) for (const t of this.threads) t.start();
  }

  /** Opens a segment on the thread with the fewest open; returns its id. */
  open(o: SegmentOpen): number {
    const seg = this.nextSeg++;
    const thread = this.threads.reduce((a, b) => (b.segments < a.segments ? b : a));
    thread.segments++;
    this.home.set(seg, thread);
    if (this.broken === undefined && !this.closed) thread.post({ op: 'open', seg, ...o });
    return seg;
  }

  /** Hands a packed chunk to the segment; its buffers are transferred and unusable afterwards. */
  async chunk(seg: number, chunk: PackedChunk): Promise<ChunkResult> {
    const r = await this.request(seg, { op: 'chunk', seg, req: 0, chunk }, [
      chunk.meta.buffer as ArrayBuffer,
      chunk.bytes.buffer as ArrayBuffer,
    ]);
    if (r.kind !== 'chunk') throw new Error(`unexpected ETL reply ${r.kind}`);
    return { rejects: r.rejects, firstTime: r.firstTime };
  }

  /** Ends a segment: resolves with its encoded files (table order, etl_meta last). */
  async finish(seg: number, f: SegmentFinish): Promise<EncodedFile[]> {
    const r = await this.request(seg, { op: 'finish', seg, req: 0, ...f });
    this.release(seg);
    if (r.kind !== 'finish') throw new Error(`unexpected ETL reply ${r.kind}`);
    return r.files;
  }

  /** Forgets a segment without writing it. */
  abort(seg: number): void {
    const thread = this.home.get(seg);
    this.release(seg);
    if (thread !== undefined && this.broken === undefined && !this.closed) thread.post({ op: 'abort', seg });
  }

  /** Stops the threads; outstanding requests reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.failAll(new Error('the ETL thread pool was closed'));
    await Promise.all(this.threads.map((t) => t.terminate()));
  }

  private release(seg: number): void {
    const thread = this.home.get(seg);
    if (thread === undefined) return;
    thread.segments--;
    this.home.delete(seg);
  }

  private request(
    seg: number,
    m: EtlRequest & { req: number },
    transfer: ArrayBuffer[] = [],
  ): Promise<EtlReply> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error('the ETL thread pool is closed'));
    const thread = this.home.get(seg);
    if (thread === undefined) return Promise.reject(new Error(`ETL segment ${seg} is not open`));
    m.req = this.nextReq++;
    return thread.request(m, transfer);
  }

  private die(err: Error): void {
    if (this.broken !== undefined) return;
    this.broken = err;
    this.failAll(err);
  }

  private failAll(err: Error): void {
    for (const t of this.threads) t.failAll(err);
  }
}

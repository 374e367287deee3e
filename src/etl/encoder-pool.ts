/**
 * EncoderPool: Parquet encoding on one worker thread (encoder-worker.ts), so that parsing and column
 * building on the main thread overlap with encoding. One thread because the target machine has two
 * cores and the main thread keeps one busy. docs/parquet.md has the measurements.
 *
 *   const id = pool.open(spec, 'zstd');
 *   pool.append(id, tableToIPC(chunk, 'stream'));   // fire and forget; the buffer is transferred
 *   const bytes = await pool.finish(id);             // the whole Parquet file (footer fixed)
 *   pool.abort(id);                                  // a dropped segment
 *   await pool.close();
 *
 * The thread starts at the first `open`, is unref'd (an idle pool never keeps the process alive) and is
 * ref'd only while a `finish` is outstanding, so a caller awaiting a file is not cut off by an exit.
 * If the thread dies, every outstanding and later `finish` rejects with the cause.
 */
import { Worker } from 'node:worker_threads';
import { footerSchema } from './parquet.js';
import type { TableSpec } from './schemas.js';
import type { Compression } from './writer-properties.js';

export interface EncoderRequest {
  op: 'open' | 'append' | 'finish' | 'abort';
  id: number;
  compression?: Compression;
  seedSchema?: string;
  /** An Arrow IPC stream (schema + record batches) of the next rows. */
  ipc?: Uint8Array;
}

export interface EncoderReply {
  id: number;
  bytes?: Uint8Array;
  error?: string;
}

/**
 * The thread's entry: the compiled .js next to this file in dist/, or the .ts source when this module
 * itself runs from source under tsx (tests, the bench).
 */
export function defaultEncoderEntry(): URL {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return new URL(`./encoder-worker.${ext}`, import.meta.url);
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
  resolve: (bytes: Uint8Array) => void;
  reject: (err: Error) => void;
}

export class EncoderPool {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private broken: Error | undefined;
  private closed = false;

  constructor(private readonly entry: URL | string = defaultEncoderEntry()) {}

  /** Starts the thread now (loading parquet-wasm takes a few hundred ms) instead of at the first file. */
  warmUp(): void {
    if (this.broken === undefined && !this.closed) this.start();
  }

  /** Opens a file for one table; returns its id. */
  open(spec: TableSpec, compression: Compression): number {
    const id = this.nextId++;
    this.post({ op: 'open', id, compression, seedSchema: footerSchema(spec) });
    return id;
  }

  /** Queues rows for a file. The IPC buffer is transferred (zero copy) and unusable afterwards. */
  append(id: number, ipc: Uint8Array): void {
    // Transfer only a buffer the IPC bytes own whole; a view into something larger is copied first.
    const owned = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength ? ipc : ipc.slice();
    this.post({ op: 'append', id, ipc: owned }, [owned.buffer as ArrayBuffer]);
  }

  /** Ends a file: resolves with its Parquet bytes, rejects if encoding failed or the thread died. */
  finish(id: number): Promise<Uint8Array> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error('the Parquet encoder pool is closed'));
    return new Promise<Uint8Array>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) this.worker?.ref();
      this.post({ op: 'finish', id });
    });
  }

  /** Forgets a file without writing it. */
  abort(id: number): void {
    this.post({ op: 'abort', id });
  }

  /** Stops the thread; outstanding finishes reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new Error('the Parquet encoder pool was closed'));
    if (worker !== undefined) await worker.terminate();
  }

  private post(m: EncoderRequest, transfer: ArrayBuffer[] = []): void {
    if (this.broken !== undefined || this.closed) return;
    this.start().postMessage(m, transfer);
  }

  private start(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = spawn(this.entry);
    worker.on('message', (r: EncoderReply) => this.settle(r));
    worker.on('error', (err) => this.die(err));
    worker.on('exit', (code) => {
      if (!this.closed) this.die(new Error(`the Parquet encoder thread exited (code ${code})`));
    });
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private settle(r: EncoderReply): void {
    const w = this.waiting.get(r.id);
    if (w === undefined) return;
    this.waiting.delete(r.id);
    if (this.waiting.size === 0) this.worker?.unref();
    if (r.bytes !== undefined) w.resolve(r.bytes);
    else w.reject(new Error(`Parquet encoding failed: ${r.error}`));
  }

  private die(err: Error): void {
    if (this.broken !== undefined) return;
    this.broken = err;
    this.failAll(err);
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
    this.worker?.unref();
  }
}

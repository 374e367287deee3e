/**
 * The Parquet encoder thread (encoder-pool.ts starts it). Each open file is a parquet-wasm streaming
 * writer (`transformParquetStream`, arrow-rs' ArrowWriter): every chunk of rows the sink ships is encoded
 * and compressed into pages as soon as it arrives, so by the time a segment rolls only its last chunk and
 * the footer are left to do. That is what lets parsing on the main thread overlap with encoding here,
 * even though `ParquetSink.add` waits for the rolls it triggers.
 *
 * Messages are handled in arrival order; a failure is kept on its file and reported by `finish`.
 */
import { parentPort } from 'node:worker_threads';
import { transformParquetStream, Table as WasmTable } from 'parquet-wasm';
import { replaceArrowSchema } from './arrow-schema-footer.js';
import type { EncoderReply, EncoderRequest } from './encoder-pool.js';
import { writerProperties } from './writer-properties.js';

interface OpenFile {
  controller: ReadableStreamDefaultController<unknown>;
  /** The encoded file's parts; settles after the input stream is closed (or errored). */
  output: Promise<Uint8Array[]>;
  seedSchema: string | undefined;
  error: unknown;
}

const files = new Map<number, OpenFile>();
const port = parentPort!;

function open(id: number, compression: EncoderRequest['compression'], seedSchema?: string): void {
  let controller!: ReadableStreamDefaultController<unknown>;
  const input = new ReadableStream({
    start(c) {
      controller = c;
    },
  });
  // transformParquetStream resolves only once it has read the first batch (it needs the schema), so
  // the promise is chained here and not awaited.
  const output = transformParquetStream(input, writerProperties(compression ?? 'zstd')).then(
    async (stream) => {
      const parts: Uint8Array[] = [];
      for await (const part of stream as unknown as AsyncIterable<Uint8Array>) parts.push(part);
      return parts;
    },
  );
  output.catch(() => {}); // reported by finish; an aborted file's rejection is expected
  files.set(id, { controller, output, seedSchema, error: undefined });
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

async function finish(id: number): Promise<EncoderReply> {
  const file = files.get(id);
  files.delete(id);
  if (file === undefined) return { id, error: `encoder file ${id} is not open` };
  if (file.error !== undefined) return { id, error: String(file.error) };
  file.controller.close();
  const bytes = concat(await file.output);
  return { id, bytes: file.seedSchema === undefined ? bytes : replaceArrowSchema(bytes, file.seedSchema) };
}

function reply(r: EncoderReply): void {
  if (r.bytes === undefined) port.postMessage(r);
  else port.postMessage(r, [r.bytes.buffer as ArrayBuffer]);
}

port.on('message', (m: EncoderRequest) => {
  switch (m.op) {
    case 'open':
      open(m.id, m.compression, m.seedSchema);
      return;
    case 'append': {
      const file = files.get(m.id);
      if (file === undefined || file.error !== undefined) return;
      try {
        // One IPC stream per chunk; the writer takes ownership of the batches.
        for (const batch of WasmTable.fromIPCStream(m.ipc!).recordBatches()) file.controller.enqueue(batch);
      } catch (err) {
        file.error = err;
        file.controller.error(err);
      }
      return;
    }
    case 'finish':
      finish(m.id).then(reply, (err: unknown) => reply({ id: m.id, error: String(err) }));
      return;
    case 'abort': {
      const file = files.get(m.id);
      files.delete(m.id);
      file?.controller.error(new Error('aborted'));
      return;
    }
  }
});

/**
 * Joins Arrow IPC streams of one schema into one stream: the first stream's schema message, every
 * stream's record batch messages, one end-of-stream marker. A stream is `schema message, batches…, EOS`
 * (continuation 0xFFFFFFFF + int32 metadata length + metadata, then bodies; EOS is 0xFFFFFFFF 0x00000000),
 * so this is byte slicing, not decoding. The streams must carry no dictionaries (the seed tables have none).
 */
const EOS_BYTES = 8;

/** Length of the schema message at the start of an IPC stream. */
function schemaLength(ipc: Uint8Array): number {
  return 8 + new DataView(ipc.buffer, ipc.byteOffset, ipc.byteLength).getInt32(4, true);
}

export function concatIpcStreams(streams: readonly Uint8Array[]): Uint8Array {
  if (streams.length === 1) return streams[0];
  const head = schemaLength(streams[0]);
  let n = head + EOS_BYTES;
  for (const s of streams) n += s.byteLength - schemaLength(s) - EOS_BYTES;
  const out = new Uint8Array(n);
  out.set(streams[0].subarray(0, head), 0);
  let at = head;
  for (const s of streams) {
    const body = s.subarray(schemaLength(s), s.byteLength - EOS_BYTES);
    out.set(body, at);
    at += body.byteLength;
  }
  out.set(streams[0].subarray(streams[0].byteLength - EOS_BYTES), at);
  return out;
}

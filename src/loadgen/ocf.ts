/**
 * Avro Object Container Files holding one record each, as upstream's apache-avro `Writer` produces them:
 * magic `Obj\x01`, a metadata map with `avro.schema` and `avro.codec` = null, a 16-byte sync marker, one
 * block (count, size, data, sync). Written and read synchronously, without avsc's stream machinery.
 */
import { randomBytes } from 'node:crypto';
import avro from 'avsc';
import { HeroflowError } from '../errors.js';

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);
const META = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const LONG = avro.Type.forSchema('long');

export function encodeContainer(type: avro.Type, record: unknown): Buffer {
  const schema = Buffer.from(JSON.stringify(type.schema()));
  const header = META.toBuffer({ 'avro.schema': schema, 'avro.codec': Buffer.from('null') });
  const data = type.toBuffer(record);
  const sync = randomBytes(16);
  return Buffer.concat([MAGIC, header, sync, LONG.toBuffer(1), LONG.toBuffer(data.length), data, sync]);
}

export interface Container {
  /** The writer's schema from the file header. */
  schema: avro.Schema;
  /** Name of the embedded record schema (for upstream's experiment_terminated: `experiment_started`). */
  schemaName: string;
  records: unknown[];
}

function malformed(why: string, cause?: unknown): HeroflowError {
  return new HeroflowError('HF_MESSAGE_INVALID', `not an Avro object container file: ${why}`, { cause });
}

/** Decode every record of a container written with the null or deflate codec. */
export function decodeContainer(bytes: Uint8Array, inflate?: (b: Buffer) => Buffer): Container {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) throw malformed('no Obj\\x01 magic');
  try {
    let tap = META.decode(buf, 4);
    if (tap.offset < 0) throw malformed('truncated header');
    const meta = tap.value as Record<string, Buffer>;
    const schema = JSON.parse(meta['avro.schema'].toString()) as avro.Schema;
    const codec = meta['avro.codec']?.toString() ?? 'null';
    const type = avro.Type.forSchema(schema);
    let pos = tap.offset;
    const sync = buf.subarray(pos, pos + 16);
    pos += 16;
    const records: unknown[] = [];
    while (pos < buf.length) {
      tap = LONG.decode(buf, pos);
      const count = tap.value as number;
      tap = LONG.decode(buf, tap.offset);
      const size = tap.value as number;
      let block = buf.subarray(tap.offset, tap.offset + size);
      pos = tap.offset + size;
      if (!buf.subarray(pos, pos + 16).equals(sync)) throw malformed('sync marker mismatch');
      pos += 16;
      if (codec === 'deflate') {
        if (!inflate) throw malformed('deflate codec without an inflater');
        block = inflate(block);
      } else if (codec !== 'null') throw malformed(`unsupported codec ${codec}`);
      let at = 0;
      for (let i = 0; i < count; i++) {
        const r = type.decode(block, at);
        if (r.offset < 0) throw malformed('truncated block');
        records.push(r.value);
        at = r.offset;
      }
    }
    const name = (schema as { name?: string }).name ?? String(type.typeName);
    return { schema, schemaName: name, records };
  } catch (err) {
    if (err instanceof HeroflowError) throw err;
    throw malformed((err as Error).message, err);
  }
}

/**
 * Redis Pub/Sub carries one opaque payload per message: no key, no headers. heroflow wraps its messages in
 * an envelope; anything else (upstream's Python handler) passes through as raw bytes.
 *
 * heroflow envelope (one JSON object, keys in this order, `heroflow` first so detection is a prefix test):
 *
 *   {"heroflow":1,"key":"k1","headers":{"heroflow-msg-id":"…"},"ts":1700000000000,"value":"<UTF-8 text>"}
 *
 * `key` and `headers` are omitted when absent; a value that is not valid UTF-8 travels as
 * `"value64":"<base64>"` instead of `"value"`. The value is the message's bytes exactly (for heroflow's
 * transport: the upstream record as single-encoded JSON).
 *
 * Upstream's handler publishes `json.dumps(json.dumps(record))`: a JSON *string* literal, so its payload
 * starts with `"` and can never be mistaken for the envelope. Such a payload (or any payload that does not
 * start with `{"heroflow":1,`, or does but does not parse) is delivered with its bytes untouched, no key,
 * no headers; the ETL decodes the double encoding itself.
 *
 * With `?envelope=upstream` heroflow publishes the upstream way instead (`JSON.stringify(valueText)`, i.e.
 * json.dumps of the record's JSON text): upstream's Python workers can read it, key and headers (and so the
 * producer's msg id) are dropped.
 */
import type { Message } from '../types.js';

const MARK = Buffer.from('{"heroflow":1,');
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface EnvelopeJson {
  heroflow: 1;
  key?: string;
  headers?: Record<string, string>;
  ts?: number;
  value?: string;
  value64?: string;
}

export interface Unwrapped {
  value: Uint8Array;
  key?: string;
  headers?: Record<string, string>;
  timestamp?: number;
}

function asBuffer(v: Uint8Array): Buffer {
  return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function wrap(m: Message, mode: 'heroflow' | 'upstream', now: number): Buffer {
  if (mode === 'upstream') return Buffer.from(JSON.stringify(asBuffer(m.value).toString('utf8')), 'utf8');
  const env: EnvelopeJson = { heroflow: 1 };
  if (m.key !== undefined) env.key = m.key;
  if (m.headers && Object.keys(m.headers).length > 0) env.headers = m.headers;
  env.ts = m.timestamp ?? now;
  try {
    env.value = utf8.decode(m.value);
  } catch {
    env.value64 = asBuffer(m.value).toString('base64');
  }
  return Buffer.from(JSON.stringify(env), 'utf8');
}

export function unwrap(payload: Buffer): Unwrapped {
  if (payload.length < MARK.length || MARK.compare(payload, 0, MARK.length) !== 0) return { value: payload };
  let env: EnvelopeJson;
  try {
    env = JSON.parse(payload.toString('utf8')) as EnvelopeJson;
  } catch {
    return { value: payload };
  }
  let value: Uint8Array;
  if (typeof env.value === 'string') value = Buffer.from(env.value, 'utf8');
  else if (typeof env.value64 === 'string') value = Buffer.from(env.value64, 'base64');
  else return { value: payload };
  const out: Unwrapped = { value };
  if (typeof env.key === 'string') out.key = env.key;
  if (env.headers && typeof env.headers === 'object') out.headers = env.headers;
  if (typeof env.ts === 'number') out.timestamp = env.ts;
  return out;
}

/**
 * A pino record → a broker message: topic = the record's `queue`, value = the upstream envelope as the
 * bytes Python's `json.dumps(...).encode('utf8')` gives, header HEADER_MSG_ID = a fresh UUID (the
 * producer-assigned id the worker keeps as `msg_id`; it is not reproducible, on purpose: it names one
 * publish). Records without `queue` are not transported, as upstream.
 *
 * The message timestamp is left to the broker (publish time): with a virtual clock the record times are
 * in 2023, and a Kafka topic with time-based retention would delete such messages at once.
 */
import { randomUUID } from 'node:crypto';
import { HEADER_MSG_ID, type Message, type WireFormat } from '../brokers/types.js';
import { type PinoRecord, toEnvelope } from './envelope.js';
import { type KeyBy, messageKey } from './message-key.js';
import { pyJsonObject } from './py-json.js';

/**
 * On the upstream wire (WireFormat) no header is sent: upstream's consumers choke on them. `keyBy: 'game'`
 * keys a game's records by its GAME_TOKEN (message-key.ts); a key is not a header, upstream's consumers
 * ignore it.
 */
export function recordToMessage(
  record: PinoRecord,
  wire: WireFormat = 'heroflow',
  keyBy: KeyBy = 'none',
): Message | undefined {
  const topic = record.queue;
  if (typeof topic !== 'string' || topic === '') return undefined;
  const value = Buffer.from(pyJsonObject(toEnvelope(record) as unknown as Record<string, unknown>), 'utf8');
  const key = messageKey(record.task, keyBy);
  const message: Message =
    wire === 'upstream' ? { topic, value } : { topic, value, headers: { [HEADER_MSG_ID]: randomUUID() } };
  if (key !== undefined) message.key = key;
  return message;
}

/** Cheap pre-check on a serialized pino line, so that records without a queue are never parsed. */
export function mayCarryQueue(line: string): boolean {
  return line.includes('"queue":');
}

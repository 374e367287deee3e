import { createHash } from 'node:crypto';
import type { Delivery, Message } from '../brokers/types.js';

export const DLQ_SUFFIX = '.dlq';
export const HEADER_DLQ_REASON = 'heroflow-dlq-reason';
export const HEADER_DLQ_POSITION = 'heroflow-dlq-position';
/** On a truncated copy: the original value's size in bytes and its SHA-256 (hex), to find it again. */
export const HEADER_DLQ_ORIGINAL_SIZE = 'heroflow-dlq-original-size';
export const HEADER_DLQ_SHA256 = 'heroflow-dlq-sha256';

/**
 * What a truncated dead-letter copy keeps of the value, tried in turn until the broker takes one: enough
 * to see what the record was, then less, then only the headers (the broker's limit is not known here).
 */
export const DLQ_TRUNCATED_SIZES = [16 * 1024, 1024, 0] as const;

/**
 * The dead-letter copy of a malformed delivery: same bytes and key, on `<topic>.dlq`, with the reason
 * and the original position in headers so that nothing is lost and the culprit can be found.
 */
export function deadLetterMessage(delivery: Delivery, reason: string): Message {
  return {
    topic: delivery.topic + DLQ_SUFFIX,
    key: delivery.key,
    value: delivery.value,
    headers: { ...delivery.headers, [HEADER_DLQ_REASON]: reason, [HEADER_DLQ_POSITION]: delivery.id },
  };
}

/**
 * The copy for a record too large to dead-letter whole (its value plus the headers is over the broker's
 * limit): the first `keep` bytes of it, with its size and digest, so the partition moves on and the
 * original can still be identified at its position.
 */
export function truncatedDeadLetterMessage(delivery: Delivery, reason: string, keep: number): Message {
  const whole = deadLetterMessage(delivery, reason);
  return {
    ...whole,
    value: delivery.value.subarray(0, keep),
    headers: {
      ...whole.headers,
      [HEADER_DLQ_ORIGINAL_SIZE]: String(delivery.value.byteLength),
      [HEADER_DLQ_SHA256]: createHash('sha256').update(delivery.value).digest('hex'),
    },
  };
}

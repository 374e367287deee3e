import type { Delivery, Message } from '../brokers/types.js';

export const DLQ_SUFFIX = '.dlq';
export const HEADER_DLQ_REASON = 'heroflow-dlq-reason';
export const HEADER_DLQ_POSITION = 'heroflow-dlq-position';

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

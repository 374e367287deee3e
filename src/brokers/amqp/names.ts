/**
 * RabbitMQ names for heroflow topics. Upstream's Python publisher sends to the default exchange with
 * routing key `task_<topic>`, so the queue `task_<topic>` is kept for wire compatibility; heroflow
 * publishes to a fanout exchange of the same name so that every group (and broadcast subscriber) gets a copy.
 */
export const exchangeFor = (topic: string): string => `task_${topic}`;
export const deadLetterFor = (topic: string): string => `task_${topic}.dlx`;

/** Queue of a group: upstream's name for the queue group, a suffixed one for every other group. */
export function queueFor(topic: string, group: string, queueGroup: string): string {
  return group === queueGroup ? `task_${topic}` : `task_${topic}@${group}`;
}

/** Headers heroflow sets for what AMQP has no field for; removed again on delivery. */
export const HEADER_KEY = 'heroflow-key';
export const HEADER_TS = 'heroflow-ts';

/**
 * Channel names of the fan-out (narrowcast) pattern, shared by the worker side (redis+fanout subscriptions)
 * and the middleware.
 *
 * Upstream's workers listen on `<topic>.<HOSTNAME>` and its middleware publishes each message to one channel
 * found with `PUBSUB CHANNELS <topic>.*`. heroflow's members listen on `<topic>.<group>.<consumerId>` so that
 * the middleware can send each message to one member *per group* (two groups each get everything, as with
 * any queue broker). Group and consumer id are escaped to contain no '.', so the split is unambiguous; an
 * upstream worker channel (one segment) counts as the anonymous group "".
 */

/** A member publishes its worker channel here once it listens: the middleware counts it from then on. */
export const JOIN_CHANNEL = 'heroflow:fanout:join';

function esc(part: string): string {
  return encodeURIComponent(part).replace(/\./g, '%2E');
}

export function workerChannel(topicChannel: string, group: string, consumerId: string): string {
  return `${topicChannel}.${esc(group)}.${esc(consumerId)}`;
}

/** The glob for `PUBSUB CHANNELS` that lists a topic channel's workers (glob characters escaped). */
export function workerPattern(topicChannel: string): string {
  return `${topicChannel.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}.*`;
}

/**
 * The group of a worker channel, or `undefined` when the channel is not a worker of this topic (it belongs
 * to a longer topic name such as `<topic>.x.y.z`).
 */
export function groupOf(topicChannel: string, channel: string): string | undefined {
  const rest = channel.slice(topicChannel.length + 1).split('.');
  if (rest.length === 1) return '';
  if (rest.length === 2) return rest[0];
  return undefined;
}

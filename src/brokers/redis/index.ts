/**
 * The Redis adapters (docs/brokers-redis.md):
 *   redis://          Pub/Sub: broadcast, nothing kept, no ack (seed 000's first finding)
 *   redis+fanout://   Pub/Sub narrowcast through FanoutMiddleware (`heroflow fanout`): once per group
 *   redis+streams://  Streams with consumer groups: kept, acked, dead members' entries reclaimed
 */
import type { Broker, BrokerOptions } from '../types.js';
import { RedisPubSubBroker } from './pubsub.js';
import { RedisStreamsBroker } from './streams.js';
import { parseRedisUrl, type RedisKind } from './url.js';

export { FanoutMiddleware, type FanoutOptions, type FanoutStats } from './fanout.js';
export { REDIS_FANOUT_CAPABILITIES, REDIS_PUBSUB_CAPABILITIES, RedisPubSubBroker } from './pubsub.js';
export { REDIS_STREAMS_CAPABILITIES, RedisStreamsBroker } from './streams.js';

async function openKind(kind: RedisKind, url: string, options: BrokerOptions): Promise<Broker> {
  const cfg = parseRedisUrl(url);
  // `?envelope=` in the URL wins; otherwise the wire format decides how Pub/Sub payloads look.
  if (options.wire === 'upstream' && !new URL(url).searchParams.has('envelope')) cfg.envelope = 'upstream';
  cfg.kind = kind;
  const broker =
    kind === 'streams' ? new RedisStreamsBroker(cfg, options) : new RedisPubSubBroker(cfg, options);
  await broker.connect();
  return broker;
}

export const open = (url: string, options: BrokerOptions = {}) => openKind('pubsub', url, options);
export const openFanout = (url: string, options: BrokerOptions = {}) => openKind('fanout', url, options);
export const openStreams = (url: string, options: BrokerOptions = {}) => openKind('streams', url, options);

/**
 * ioredis reconnects with the bounded back-off of connect.ts, re-subscribes Pub/Sub channels and re-sends
 * what was in flight (stream reads resume in the subscription's loop); its client events feed the broker's
 * ConnectionLog: one line when a connection goes away, one when every connection of the broker is back.
 */
import type { Redis } from 'ioredis';
import type { ConnectionLog } from '../util/connection-log.js';

export function watchRedisClient(log: ConnectionLog, client: Redis, role: string): void {
  client.on('reconnecting', () => log.lost(client, { client: role }));
  client.on('ready', () => log.restored(client, { resumed: 'subscriptions and reads' }));
  // A client closed on purpose while Redis was away must not keep the broker "down" forever.
  client.on('end', () => log.forget(client));
}

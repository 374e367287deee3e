/**
 * One line when a Redis connection goes away and one when every connection of the broker is back (ioredis
 * reconnects with the bounded back-off of connect.ts, re-subscribes Pub/Sub channels and re-sends what was
 * in flight; stream reads resume in the subscription's loop); repeats are swallowed.
 */
import type { Redis } from 'ioredis';
import type { BrokerOptions } from '../types.js';

export class ConnectionLog {
  readonly #down = new Set<Redis>();

  constructor(
    private readonly url: string,
    private readonly log: BrokerOptions['log'],
  ) {}

  watch(client: Redis, role: string): void {
    client.on('reconnecting', () => {
      if (this.#down.has(client)) return;
      if (this.#down.size === 0) {
        this.log?.('warn', 'redis connection lost, reconnecting', { url: this.url, client: role });
      }
      this.#down.add(client);
    });
    const back = (resumed: boolean) => {
      if (!this.#down.delete(client) || this.#down.size > 0 || !resumed) return;
      this.log?.('info', 'redis reconnected; subscriptions and reads resumed', { url: this.url });
    };
    client.on('ready', () => back(true));
    // A client closed on purpose while Redis was away must not keep the broker "down" forever.
    client.on('end', () => back(false));
  }
}

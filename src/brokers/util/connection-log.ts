/**
 * Client libraries log every retry of every connection; heroflow wants one line when a broker's
 * connection goes away and one when every client of that broker is back. Adapters report each client
 * here by a name of their choice; repeats of the same state are swallowed.
 */
import type { BrokerOptions } from '../types.js';

export class ConnectionLog {
  readonly #down = new Set<unknown>();

  constructor(
    /** The adapter, as its log lines name it: `kafka`, `redis`. */
    private readonly adapter: string,
    private readonly url: string,
    private readonly log: BrokerOptions['log'],
  ) {}

  /** `client` lost its connection and retries; logged for the first client of the broker to go. */
  lost(client: unknown, fields: Record<string, unknown> = {}): void {
    if (this.#down.has(client)) return;
    if (this.#down.size === 0) {
      this.log?.('warn', `${this.adapter} connection lost, reconnecting`, { url: this.url, ...fields });
    }
    this.#down.add(client);
  }

  /** `client` is connected again; logged once no client of the broker is down. */
  restored(client: unknown, fields: Record<string, unknown> = {}): void {
    if (!this.#down.delete(client) || this.#down.size > 0) return;
    this.log?.('info', `${this.adapter} reconnected`, { url: this.url, ...fields });
  }

  /** `client` was closed on purpose: it no longer holds the broker "down", and nothing is logged. */
  forget(client: unknown): void {
    this.#down.delete(client);
  }
}

/** An error as a log field: its message, never its stack. */
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

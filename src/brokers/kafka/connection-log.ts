/**
 * kafkajs logs every retry of every connection; heroflow wants one line when the broker goes away and one
 * when it is back. Producer and consumer report here; repeats of the same state are swallowed.
 */
import type { BrokerOptions } from '../types.js';

export class ConnectionLog {
  #lost = false;

  constructor(
    private readonly url: string,
    private readonly log: BrokerOptions['log'],
  ) {}

  lost(who: string, error: unknown): void {
    if (this.#lost) return;
    this.#lost = true;
    this.log?.('warn', 'kafka connection lost, reconnecting', {
      url: this.url,
      client: who,
      error: error instanceof Error ? error.message : String(error),
    });
  }

  restored(who: string): void {
    if (!this.#lost) return;
    this.#lost = false;
    this.log?.('info', 'kafka reconnected', { url: this.url, client: who });
  }
}

/**
 * What the JetStream adapter hands out per message: ack/nack on the prototype, the id and the headers
 * made on demand, one object per message instead of an object, a header record and two closures (the
 * per-message garbage was the largest single cost of the worker's main thread in a drain profile).
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { Delivery, NackOptions } from '../types.js';

/** The subscription a message is settled through. */
export interface NatsOwner {
  commit(deliveries: Delivery[]): Promise<void>;
  nackMessage(d: NatsDelivery, opts?: NackOptions): Promise<void>;
}

export class NatsDelivery implements Delivery {
  readonly partition = 0;
  readonly offset: bigint;
  readonly value: Uint8Array;
  readonly timestamp: number;
  readonly redelivered: boolean;
  #key: string | undefined;
  #headers: Record<string, string> | undefined;
  #decoded = false;

  constructor(
    private readonly owner: NatsOwner,
    readonly topic: string,
    readonly msg: JsMsg,
    /** The header that carries the key (not a header of the message's own). */
    private readonly keyHeader: string,
  ) {
    const info = msg.info;
    this.offset = BigInt(info.streamSequence);
    this.value = msg.data;
    this.timestamp = Math.floor(info.timestampNanos / 1e6);
    this.redelivered = info.deliveryCount > 1;
  }

  get id(): string {
    return `${this.topic}@${this.offset}`;
  }

  get key(): string | undefined {
    this.#decode();
    return this.#key;
  }

  get headers(): Record<string, string> | undefined {
    this.#decode();
    return this.#headers;
  }

  /** One pass over the client's header map (its `get()` builds and filters a key list per call). */
  #decode(): void {
    if (this.#decoded) return;
    this.#decoded = true;
    const h = this.msg.headers;
    if (!h) return;
    const headers: Record<string, string> = {};
    let any = false;
    for (const [k, v] of h as unknown as Iterable<[string, string[]]>) {
      if (k === this.keyHeader) this.#key = v[0] ?? '';
      else {
        headers[k] = v[0] ?? '';
        any = true;
      }
    }
    if (any) this.#headers = headers;
  }

  ack(): Promise<void> {
    return this.owner.commit([this]);
  }

  nack(opts?: NackOptions): Promise<void> {
    return this.owner.nackMessage(this, opts);
  }
}

/**
 * What the Redis Streams adapter hands out per entry: ack/nack on the prototype and the id made on demand,
 * one object per entry instead of an object, a field Map and two closures (the adapter's own work was a
 * fifth of the worker's main thread in a drain profile, most of it these allocations and their GC).
 */
import { type Delivery, type NackOptions, positionId } from '../types.js';

/** The subscription an entry acknowledges through. */
export interface StreamsOwner {
  commit(deliveries: Delivery[]): Promise<void>;
  nackEntry(d: StreamsDelivery, opts?: NackOptions): Promise<void>;
}

const SEQ_BITS = 22n;
const SEQ_MASK = (1n << SEQ_BITS) - 1n;

/** Stream id "ms-seq" → (ms << 22) | seq: ascending with the id; sequences beyond 4 M per ms are unheard of. */
export function streamIdToOffset(id: string): bigint {
  const dash = id.indexOf('-');
  return (BigInt(id.slice(0, dash)) << SEQ_BITS) | BigInt(id.slice(dash + 1));
}

export function offsetToStreamId(offset: bigint): string {
  return `${offset >> SEQ_BITS}-${offset & SEQ_MASK}`;
}

const EMPTY = Buffer.alloc(0);

export class StreamsDelivery implements Delivery {
  readonly partition = 0;
  readonly value: Uint8Array = EMPTY;
  readonly timestamp: number;
  readonly rawKey?: Uint8Array;
  #key: string | undefined;
  readonly #headerJson: Buffer | undefined;
  #headers: Record<string, string> | undefined;

  /** `fields` is the entry's [name, value, …] list as ioredis returned it (v = value, k = key, h = headers, t = time). */
  constructor(
    private readonly owner: StreamsOwner,
    readonly stream: string,
    readonly topic: string,
    /** The entry id, "ms-seq". */
    readonly streamId: string,
    readonly offset: bigint,
    fields: Buffer[],
    readonly redelivered: boolean,
  ) {
    let time: Buffer | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const name = fields[i];
      // Every field name heroflow writes is one byte.
      if (name.length !== 1) continue;
      const c = name[0];
      if (c === 0x76 /* v */) this.value = fields[i + 1];
      else if (c === 0x6b /* k */) this.rawKey = fields[i + 1];
      else if (c === 0x68 /* h */) this.#headerJson = fields[i + 1];
      else if (c === 0x74 /* t */) time = fields[i + 1];
    }
    this.timestamp = Number(time?.toString() ?? streamId.slice(0, streamId.indexOf('-')));
  }

  get id(): string {
    return positionId(this.topic, 0, this.streamId);
  }

  get key(): string | undefined {
    if (this.#key === undefined && this.rawKey !== undefined) this.#key = this.rawKey.toString();
    return this.#key;
  }

  get headers(): Record<string, string> | undefined {
    if (this.#headers === undefined && this.#headerJson !== undefined)
      this.#headers = JSON.parse(this.#headerJson.toString()) as Record<string, string>;
    return this.#headers;
  }

  ack(): Promise<void> {
    return this.owner.commit([this]);
  }

  nack(opts?: NackOptions): Promise<void> {
    return this.owner.nackEntry(this, opts);
  }
}

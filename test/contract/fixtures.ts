/** Names, messages and cleanup shared by the contract cases. */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { openBroker } from '../../src/brokers/registry.js';
import {
  type Broker,
  type BrokerOptions,
  type Delivery,
  HEADER_MSG_ID,
  type Message,
  type SubscribeOptions,
  type Subscription,
} from '../../src/brokers/types.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Unique per case and run, so the suite can run again and again against one real server. */
export function uniqueName(kind: string): string {
  return `hf-ct-${kind}-${randomBytes(4).toString('hex')}`;
}

export interface Payload {
  run: string;
  seq: number;
  text: string;
}

/** `n` JSON messages with seq numbers from `from`, spread over `keys` keys. */
export function messages(
  topic: string,
  n: number,
  opts: { run?: string; from?: number; keys?: number } = {},
): Message[] {
  const run = opts.run ?? 'a';
  const keys = opts.keys ?? 4;
  return Array.from({ length: n }, (_, i) => {
    const seq = (opts.from ?? 0) + i;
    const payload: Payload = { run, seq, text: `héros ✓ ${seq}` };
    return {
      topic,
      key: `k${seq % keys}`,
      value: encoder.encode(JSON.stringify(payload)),
      headers: { [HEADER_MSG_ID]: `${run}-${seq}`, 'x-contract': 'yes' },
    };
  });
}

export function payload(d: Delivery): Payload {
  return JSON.parse(decoder.decode(d.value)) as Payload;
}

/** "run:seq" of each delivery, to compare sets. */
export function tags(ds: Delivery[]): string[] {
  return ds.map((d) => {
    const p = payload(d);
    return `${p.run}:${p.seq}`;
  });
}

export function range(run: string, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${run}:${from + i}`);
}

export const sortTags = (xs: Iterable<string>): string[] =>
  [...xs].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

/** Opens brokers and subscriptions for one case and closes all of them afterwards, even on failure. */
export class Harness {
  private readonly brokers: Broker[] = [];
  private readonly subs: Subscription[] = [];

  constructor(
    readonly url: string,
    private readonly options: BrokerOptions,
  ) {}

  async open(): Promise<Broker> {
    const broker = await openBroker(this.url, this.options);
    this.brokers.push(broker);
    return broker;
  }

  /** Subscribe and wait until live, so that what is published next reaches it. */
  async subscribe(broker: Broker, options: SubscribeOptions): Promise<Subscription> {
    const sub = broker.subscribe({ maxBatch: 7, maxWaitMs: 5, ...options });
    this.subs.push(sub);
    await sub.ready();
    return sub;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.subs.map((s) => s.close()));
    await Promise.allSettled(this.brokers.map((b) => b.close()));
  }
}

export function harness(t: TestContext, url: string, options: BrokerOptions): Harness {
  const h = new Harness(url, options);
  t.after(() => h.close());
  return h;
}

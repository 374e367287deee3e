/** What the Kafka adapter hands out per message, and how it reads kafkajs' messages and errors. */
import type { KafkaMessage } from 'kafkajs';
import { HeroflowError } from '../../errors.js';
import { type Delivery, type NackOptions, positionId } from '../types.js';
import { afterDelay } from '../util/after-delay.js';
import { connectionLost } from '../util/connect-errors.js';
import type { OffsetTracker } from '../util/offset-tracker.js';

const EMPTY = new Uint8Array(0);

/** The subscription a delivery acknowledges through. */
export interface DeliveryOwner {
  commit(deliveries: Delivery[]): Promise<void>;
  requeue(d: KafkaDelivery): Promise<void>;
}

/**
 * kafkajs' headers with one value each (a repeated header keeps its last value, as `headers` does), or
 * undefined without any. The object kafkajs made is reused when no header repeats (nearly always).
 */
export function rawHeadersOf(m: KafkaMessage): Record<string, Uint8Array> | undefined {
  const h = m.headers;
  if (!h) return undefined;
  let any = false;
  for (const k in h) {
    const v = h[k];
    if (v === undefined || typeof v === 'string' || Array.isArray(v)) return normalised(h);
    any = true;
  }
  return any ? (h as Record<string, Uint8Array>) : undefined;
}

function normalised(h: NonNullable<KafkaMessage['headers']>): Record<string, Uint8Array> | undefined {
  let out: Record<string, Uint8Array> | undefined;
  for (const k in h) {
    const v = h[k];
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    if (one === undefined) continue;
    out ??= {};
    out[k] = typeof one === 'string' ? Buffer.from(one) : one;
  }
  return out;
}

/**
 * A delivery with ack/nack on the prototype: one object per message instead of an object and two
 * closures (the adapter's per-message allocations were a third of its cost in a profile).
 */
export class KafkaDelivery implements Delivery {
  #key: string | undefined;
  #headers: Record<string, string> | undefined;
  constructor(
    private readonly sub: DeliveryOwner,
    readonly topic: string,
    readonly partition: number,
    readonly offset: bigint,
    readonly value: Uint8Array,
    readonly timestamp: number,
    readonly redelivered: boolean,
    readonly rawKey?: Uint8Array,
    readonly rawHeaders?: Readonly<Record<string, Uint8Array>>,
    /**
     * The tracker of the partition's assignment this was read under: a commit counts only while it is
     * still the partition's (subscription.ts commit, commitRun).
     */
    readonly tracker?: OffsetTracker,
  ) {}
  /** Made on demand: most deliveries are never asked for it, and a string per message is GC work. */
  get id(): string {
    return positionId(this.topic, this.partition, this.offset);
  }
  /** Decoded on demand, like `id`: the ETL copies `rawKey`. */
  get key(): string | undefined {
    if (this.#key === undefined && this.rawKey !== undefined) this.#key = Buffer.from(this.rawKey).toString();
    return this.#key;
  }
  get headers(): Record<string, string> | undefined {
    const raw = this.rawHeaders;
    if (this.#headers === undefined && raw !== undefined) {
      const out: Record<string, string> = {};
      for (const k in raw) out[k] = Buffer.from(raw[k]).toString();
      this.#headers = out;
    }
    return this.#headers;
  }
  detached(): KafkaDelivery {
    let headers: Record<string, Uint8Array> | undefined;
    if (this.rawHeaders !== undefined) {
      headers = {};
      for (const k in this.rawHeaders) headers[k] = Uint8Array.from(this.rawHeaders[k]);
    }
    const key = this.rawKey && Uint8Array.from(this.rawKey);
    return new KafkaDelivery(
      this.sub,
      this.topic,
      this.partition,
      this.offset,
      EMPTY,
      this.timestamp,
      this.redelivered,
      key,
      headers,
      this.tracker,
    );
  }
  ack(): Promise<void> {
    return this.sub.commit([this]);
  }
  nack(opts?: NackOptions): Promise<void> {
    if (opts?.requeue === false) return this.sub.commit([this]);
    // Kafka has no delayed redelivery: the offset stays in flight (uncommitted) while the adapter waits.
    return afterDelay(opts?.delayMs, () => this.sub.requeue(this));
  }
}

const REBALANCE_TYPES = /REBALANCE_IN_PROGRESS|ILLEGAL_GENERATION|UNKNOWN_MEMBER_ID|NOT_COORDINATOR/;
const REBALANCE_MESSAGES =
  /generation id is not valid|not aware of this member|group is rebalancing|not the correct coordinator/i;

/** kafkajs wraps protocol errors after its retries (KafkaJSNonRetriableError) and drops their `type`. */
export function isRebalanceError(err: unknown): boolean {
  const e = err as { type?: string; message?: string; cause?: { type?: string } };
  return REBALANCE_TYPES.test(e?.type ?? e?.cause?.type ?? '') || REBALANCE_MESSAGES.test(e?.message ?? '');
}

/**
 * An error a wait may mend: a lost connection, or a protocol error kafkajs marks retriable (a leader being
 * elected, a partition's leader moved) that outlasted kafkajs' own retries, as it can while a broker of
 * the cluster restarts on a loaded machine. Looked for along `cause`/`originalError`.
 */
export function degradedCluster(err: unknown): boolean {
  if (connectionLost(err)) return true;
  const seen = new Set<unknown>();
  let e = err as { retriable?: boolean; cause?: unknown; originalError?: unknown } | undefined;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if (e.retriable === true) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}

/** Protocol errors that say "this message can never be written", however long one retries. */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * A publish the broker refused for good (kafkajs marks the protocol error non-retriable): too large for
 * the topic (HF_MESSAGE_TOO_LARGE) or otherwise invalid (HF_BROKER_REJECTED). Undefined for everything a
 * retry may cure (a broker restarting, a leader moving), which the caller keeps retrying.
 */
export function publishRejection(err: unknown, url: string): HeroflowError | undefined {
  const seen = new Set<unknown>();
  let e = err as { type?: string; retriable?: boolean; cause?: unknown; originalError?: unknown } | undefined;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    if (typeof e.type === 'string' && e.retriable === false) {
      const tooLarge = TOO_LARGE.has(e.type);
      return new HeroflowError(
        tooLarge ? 'HF_MESSAGE_TOO_LARGE' : 'HF_BROKER_REJECTED',
        tooLarge
          ? `${url} refused a message larger than its topic accepts (${e.type}); raise the topic's max.message.bytes or publish smaller records.`
          : `${url} refused a publish for good (${e.type}); retrying cannot help.`,
        { cause: err },
      );
    }
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return undefined;
}

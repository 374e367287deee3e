/**
 * One member of a Redis Streams consumer group. Pull only: `next()` issues `XREADGROUP … COUNT maxBatch
 * BLOCK …` when the consumer asks, so a consumer that stops pulling stops delivery (back-pressure without a
 * buffer). Each pull, in this order:
 *
 *  1. entries this member nack'ed with requeue, taken again with XCLAIM (redelivered);
 *  2. every claimIdleMs/2: `XAUTOCLAIM` of entries idle ≥ claimIdleMs — a dead member's pending entries
 *     (redelivered, same fields, so the same msg id);
 *  3. once, after (re)start: this member's own pending history (`XREADGROUP … 0`, then on from the last
 *     id read): a worker restarted under the same consumer id gets back what it had not acked
 *     (redelivered), each entry once even while earlier ones are being acked;
 *  4. new entries (`>`), never delivered before.
 *
 * A live member renews the lease on what it holds (XCLAIM … JUSTID resets the idle time every
 * claimIdleMs/3), so only a member that stopped — not one that is slow to roll a file — loses its entries.
 * `commit` is XACK (after the durable write, by the worker's order of calls).
 *
 * Read-ahead: once a read of new entries (`>`) returned a full batch, the next one is sent at once and
 * runs while the consumer works on this batch (the round trip and Redis' reply building overlap the
 * worker's parsing). One read at most is ahead, so back-pressure still holds: what it returns is pending
 * for this member like a buffered batch, redelivered by XAUTOCLAIM or the history read if it never
 * comes back.
 */
import type { Redis } from 'ioredis';
import type {
  Delivery,
  NackOptions,
  StartPosition,
  SubscribeOptions,
  Subscription,
  TopicPartition,
} from '../types.js';
import { afterDelay } from '../util/after-delay.js';
import { closedError, randomConsumerId } from './client-names.js';
import { connectRedis } from './connect.js';
import type { RedisStreamsBroker } from './streams.js';
import {
  offsetToStreamId,
  StreamsDelivery,
  type StreamsOwner,
  streamIdToOffset,
} from './streams-delivery.js';

export { offsetToStreamId, streamIdToOffset };

/** Longest single XREADGROUP block: bounds how late a reclaim check or a close is noticed. */
const MAX_BLOCK_MS = 2000;
/**
 * A read of new entries asks for this many of the consumer's batches (the rest wait in #buffer): fewer
 * round trips per record. What the adapter holds stays bounded: this read, and the one ahead.
 */
const READ_BATCHES = 4;

/** The id list of one stream in a grouping map (appended in place: a file's commit holds 100k ids). */
function idsOf(byStream: Map<string, string[]>, stream: string): string[] {
  const ids = byStream.get(stream);
  if (ids) return ids;
  const fresh: string[] = [];
  byStream.set(stream, fresh);
  return fresh;
}

type Entry = [Buffer, Buffer[] | null];
type ReadReply = Array<[Buffer, Entry[]]> | null;

interface Held {
  stream: string;
  id: string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class StreamsSubscription implements Subscription, StreamsOwner {
  /** Stream key → topic. */
  readonly #streams = new Map<string, string>();
  readonly #group: string;
  readonly #consumer: string;
  readonly #ready: Promise<void>;
  #block: Redis | undefined;
  #closed = false;
  /**
   * While this member's own pending history is being read (after a (re)start): per stream, the last id
   * read. Each read goes on from there, so entries still held are not read again; `undefined` once done.
   */
  #history: Map<string, string> | undefined = new Map();
  #lastClaim = 0;
  readonly #cursor = new Map<string, string>();
  /** Delivered, not yet acked or dropped: "stream\0id" → where. */
  readonly #held = new Map<string, Held>();
  /**
   * Committed, XACK not yet answered: still pending in Redis, so a history read or XAUTOCLAIM sent
   * before the XACK returns them. They must not be delivered again. Both go on the command connection
   * with the XACK, so a reply that still holds an entry arrives before its XACK's answer.
   */
  readonly #acking = new Set<string>();
  readonly #requeue: Held[] = [];
  #buffer: Delivery[] = [];
  /** The read of new entries sent ahead (see the header), with the count it asked for. */
  #ahead: { reply: Promise<ReadReply>; count: number } | undefined;
  #touch: NodeJS.Timeout | undefined;
  #assigned: TopicPartition[] = [];
  #failing = false;

  constructor(
    private readonly broker: RedisStreamsBroker,
    private readonly opts: SubscribeOptions,
    private readonly onClosed: () => void,
  ) {
    this.#consumer = opts.consumerId ?? randomConsumerId();
    this.#group = opts.mode === 'broadcast' ? `${opts.group}~${this.#consumer}` : opts.group;
    for (const topic of new Set(opts.topics)) this.#streams.set(broker.streamOf(topic), topic);
    this.#ready = this.#start();
    this.#ready.catch(() => {});
  }

  get #claimIdle(): number {
    return this.broker.cfg.claimIdleMs;
  }

  async #start(): Promise<void> {
    const block = await connectRedis(
      this.broker.cfg,
      this.broker.options,
      'stream-reader',
      this.broker.connection,
    );
    if (this.#closed) {
      block.disconnect();
      throw closedError('subscription');
    }
    this.#block = block;
    // A read of new entries that Redis served as the connection dropped (a server SIGKILLed with an
    // append-only file) left its entries pending for this member, and its reply never came: after every
    // reconnect, this member's own pending history is read again, as after a restart (what it still holds
    // is skipped). Else only XAUTOCLAIM finds them, claimIdleMs later (likely a bench run's 23 lost).
    block.on('ready', () => {
      if (!this.#closed) this.#history ??= new Map();
    });
    await this.#createGroups();
    this.#assigned = [...this.#streams.values()].map((topic) => ({ topic, partition: 0 }));
    const positions = await this.opts.onAssign?.(this.#assigned);
    if (positions) await this.#seek(positions);
    this.#touch = setInterval(() => void this.#renew(), Math.max(50, Math.floor(this.#claimIdle / 3)));
    this.#touch.unref();
  }

  /** After a data loss everything in the new stream is unread, so the group then starts at '0'. */
  async #createGroups(afterLoss = false): Promise<void> {
    const start = afterLoss || this.opts.from === 'earliest' ? '0' : '$';
    for (const stream of this.#streams.keys()) {
      try {
        await this.broker.cmd.xgroup('CREATE', stream, this.#group, start, 'MKSTREAM');
      } catch (err) {
        // The group exists: it continues from its own last delivered id, like a Kafka group's commits.
        if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      }
    }
  }

  /** Batch mode keeps offsets outside the broker: move the group so that `>` starts at the stored one. */
  async #seek(positions: StartPosition[]): Promise<void> {
    for (const p of positions) {
      const id = p.offset === 'earliest' || p.offset <= 0n ? '0' : offsetToStreamId(p.offset - 1n);
      await this.broker.cmd.xgroup('SETID', this.broker.streamOf(p.topic), this.#group, id);
    }
  }

  async #renew(): Promise<void> {
    if (this.#closed || this.#held.size === 0) return;
    const byStream = new Map<string, string[]>();
    for (const h of this.#held.values()) idsOf(byStream, h.stream).push(h.id);
    try {
      for (const [stream, ids] of byStream) {
        for (let i = 0; i < ids.length; i += 1000) {
          await this.broker.cmd.xclaim(
            stream,
            this.#group,
            this.#consumer,
            0,
            ...ids.slice(i, i + 1000),
            'JUSTID',
          );
        }
      }
    } catch {
      // Redis away: the next tick tries again; reconnects are logged by the connection.
    }
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  #deliveries(stream: string, entries: Entry[], redelivered: boolean): Delivery[] {
    const topic = this.#streams.get(stream) ?? stream;
    const out: Delivery[] = [];
    for (const [rawId, fields] of entries) {
      const id = rawId.toString();
      if (!fields) {
        // Trimmed by MAXLEN while pending: nothing left to deliver, so it must not stay pending either.
        void this.broker.cmd.xack(stream, this.#group, id).catch(() => {});
        continue;
      }
      const key = `${stream}\u0000${id}`;
      // XAUTOCLAIM and the history read also return this member's own entries that are still held, or
      // acked with the XACK not yet answered: neither is lost.
      if (redelivered && (this.#held.has(key) || this.#acking.has(key))) continue;
      this.#held.set(key, { stream, id });
      out.push(new StreamsDelivery(this, stream, topic, id, streamIdToOffset(id), fields, redelivered));
    }
    return out;
  }

  /** Stays pending (and renewed) for this member meanwhile; XCLAIMed again at the next pull after it. */
  nackEntry(d: StreamsDelivery, o?: NackOptions): Promise<void> {
    if (o?.requeue === false) return this.commit([d]);
    const held = this.#held.get(`${d.stream}\u0000${d.streamId}`);
    return afterDelay(o?.delayMs, () => {
      if (!this.#closed && held) this.#requeue.push(held);
    });
  }

  #readNew(block: Redis, keys: string[], count: number, blockMs: number): Promise<ReadReply> {
    return block.xreadgroupBuffer(
      'GROUP',
      this.#group,
      this.#consumer,
      'COUNT',
      count,
      'BLOCK',
      blockMs,
      'STREAMS',
      ...keys,
      ...keys.map(() => '>'),
    ) as Promise<ReadReply>;
  }

  async #pull(count: number): Promise<Delivery[]> {
    const cmd = this.broker.cmd;
    if (this.#requeue.length > 0) {
      const again = this.#requeue.splice(0);
      const out: Delivery[] = [];
      for (const h of again) {
        const entries = (await cmd.callBuffer(
          'XCLAIM',
          h.stream,
          this.#group,
          this.#consumer,
          0,
          h.id,
        )) as Entry[];
        this.#held.delete(`${h.stream}\u0000${h.id}`);
        out.push(...this.#deliveries(h.stream, entries, true));
      }
      if (out.length > 0) return out;
    }
    if (Date.now() - this.#lastClaim >= this.#claimIdle / 2) {
      this.#lastClaim = Date.now();
      const out: Delivery[] = [];
      for (const stream of this.#streams.keys()) {
        const [next, entries] = (await cmd.callBuffer(
          'XAUTOCLAIM',
          stream,
          this.#group,
          this.#consumer,
          this.#claimIdle,
          this.#cursor.get(stream) ?? '0-0',
          'COUNT',
          count,
        )) as unknown as [Buffer, Entry[]];
        this.#cursor.set(stream, next.toString());
        out.push(...this.#deliveries(stream, entries, true));
      }
      if (out.length > 0) return out;
    }
    const block = this.#block;
    if (!block) return [];
    const keys = [...this.#streams.keys()];
    while (this.#history) {
      const from = this.#history;
      const res = (await cmd.xreadgroupBuffer(
        'GROUP',
        this.#group,
        this.#consumer,
        'COUNT',
        count,
        'STREAMS',
        ...keys,
        ...keys.map((k) => from.get(k) ?? '0'),
      )) as ReadReply;
      let read = 0;
      const out: Delivery[] = [];
      for (const [s, entries] of res ?? []) {
        const stream = s.toString();
        if (entries.length === 0) continue;
        read += entries.length;
        from.set(stream, entries[entries.length - 1][0].toString());
        out.push(...this.#deliveries(stream, entries, true));
      }
      if (read === 0) this.#history = undefined;
      if (out.length > 0) return out;
    }
    const blockMs = Math.max(10, Math.min(MAX_BLOCK_MS, Math.floor(this.#claimIdle / 2)));
    const ahead = this.#ahead;
    this.#ahead = undefined;
    const readCount = count * READ_BATCHES;
    const res = await (ahead?.reply ?? this.#readNew(block, keys, readCount, blockMs));
    const out = (res ?? []).flatMap(([s, entries]) => this.#deliveries(s.toString(), entries, false));
    // A full read says there is a backlog: read the next one while the consumer works on this one.
    if (out.length >= (ahead?.count ?? readCount) && !this.#closed && this.#requeue.length === 0) {
      const reply = this.#readNew(block, keys, readCount, blockMs);
      reply.catch(() => {});
      this.#ahead = { reply, count: readCount };
    }
    return out;
  }

  async #nextBatch(): Promise<Delivery[] | null> {
    await this.#ready;
    const max = this.opts.maxBatch ?? 500;
    while (!this.#closed) {
      if (this.#buffer.length > 0) return this.#buffer.splice(0, max);
      try {
        this.#buffer = await this.#pull(max);
        if (this.#failing) this.#failing = false;
      } catch (err) {
        if (this.#closed) break;
        const message = (err as Error).message;
        if (/NOGROUP/.test(message)) {
          // Redis restarted without its data (or the stream was deleted): the group is gone, start again.
          await this.#createGroups(true).catch(() => {});
          this.#history = new Map();
        } else if (!this.#failing) {
          this.#failing = true;
          this.broker.options.log?.('warn', 'redis stream read failed; retrying', {
            url: this.broker.url,
            error: message,
          });
        }
        await sleep(200);
      }
    }
    return null;
  }

  async commit(deliveries: Delivery[]): Promise<void> {
    const byStream = new Map<string, string[]>();
    const keys: string[] = [];
    for (const d of deliveries) {
      const own = d instanceof StreamsDelivery;
      const stream = own ? d.stream : this.broker.streamOf(d.topic);
      const id = own ? d.streamId : d.id.slice(d.id.lastIndexOf('@') + 1);
      const key = `${stream}\u0000${id}`;
      if (!this.#held.delete(key)) continue;
      this.#acking.add(key);
      keys.push(key);
      idsOf(byStream, stream).push(id);
    }
    try {
      // A commit covers a whole file (up to 100k entries): XACK in slices, as #renew claims.
      for (const [stream, ids] of byStream)
        for (let i = 0; i < ids.length; i += 1000)
          await this.broker.cmd.xack(stream, this.#group, ...ids.slice(i, i + 1000));
    } finally {
      for (const key of keys) this.#acking.delete(key);
    }
  }

  assignment(): TopicPartition[] {
    return this.#closed ? [] : this.#assigned;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#touch) clearInterval(this.#touch);
    this.#buffer = [];
    this.#block?.disconnect();
    const assigned = this.#assigned;
    this.#assigned = [];
    try {
      if (assigned.length > 0) await this.opts.onRevoke?.(assigned);
      // A broadcast group belongs to this subscriber alone; left behind it would pin entries forever.
      if (this.opts.mode === 'broadcast') {
        for (const stream of this.#streams.keys()) {
          await this.broker.client?.xgroup('DESTROY', stream, this.#group).catch(() => {});
        }
      }
    } finally {
      this.onClosed();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery[]> {
    return {
      next: async () => {
        const batch = this.#closed ? null : await this.#nextBatch();
        return batch && !this.#closed ? { done: false, value: batch } : { done: true, value: undefined };
      },
    };
  }
}

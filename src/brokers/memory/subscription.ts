/**
 * One member of a memory-broker group. Pull-based: a `next()` reads straight from the partition logs at
 * this member's positions, so nothing is buffered per consumer and a consumer that stops pulling holds
 * nothing beyond the batches it already took (the back-pressure the contract asks for).
 */
import { HeroflowError } from '../../errors.js';
import {
  type BrokerOptions,
  type Delivery,
  positionId,
  type StartPosition,
  type SubscribeOptions,
  type Subscription,
  type TopicPartition,
} from '../types.js';
import { afterDelay } from '../util/after-delay.js';
import { OffsetTracker } from '../util/offset-tracker.js';
import { Signal } from '../util/signal.js';
import { tpKey } from './assign.js';
import type { Group, GroupMember } from './group.js';
import type { PartitionLog, StoredMessage, Topic } from './log.js';

/** A partition this member owns (or is giving back). */
interface PartitionState {
  key: string;
  topic: string;
  partition: number;
  log: PartitionLog;
  /** Next offset to read from the log. */
  position: number;
  tracker: OffsetTracker;
  /** Offsets given back with nack({ requeue: true }), ascending; served before new messages. */
  requeued: number[];
  /** Cleared when a revoke starts: no new fetches, but commits still count until `owned` is cleared. */
  fetching: boolean;
  owned: boolean;
}

interface DeliveryRecord {
  owner: MemorySubscription;
  state: PartitionState;
  offset: number;
  settled: boolean;
}

/** Which subscription state a delivery belongs to, so `commit` accepts deliveries from any path. */
const records = new WeakMap<Delivery, DeliveryRecord>();

let nextMemberSeq = 0;

export interface MemberContext {
  group: Group;
  topicOf: (name: string) => Topic;
  log?: BrokerOptions['log'];
  /** Called once the member has left its group. */
  onClosed: (sub: MemorySubscription) => void;
}

export class MemorySubscription implements Subscription, GroupMember {
  readonly id: string;
  readonly topics: readonly string[];
  private readonly states = new Map<string, PartitionState>();
  private fetchOrder: PartitionState[] = [];
  private roundRobin = 0;
  private readonly signal = new Signal();
  private readonly wake = () => this.signal.notify();
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readyState: 'pending' | 'ready' | 'failed' = 'pending';
  private readonly readyPromise: Promise<void>;
  private resolveReady!: () => void;
  private rejectReady!: (error: unknown) => void;

  constructor(
    private readonly options: SubscribeOptions,
    private readonly ctx: MemberContext,
  ) {
    this.id = `${options.consumerId ?? 'member'}#${++nextMemberSeq}`;
    this.topics = [...new Set(options.topics)];
    this.maxBatch = Math.max(1, options.maxBatch ?? 500);
    this.maxWaitMs = Math.max(0, options.maxWaitMs ?? 0);
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Nobody has to call ready(); an unobserved rejection must not crash the process.
    this.readyPromise.catch(() => {});
    for (const name of this.topics) ctx.topicOf(name).listeners.add(this.wake);
    ctx.group.join(this, options.from ?? 'latest').catch((error) => this.fail(error));
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  assignment(): TopicPartition[] {
    return [...this.states.values()]
      .filter((s) => s.owned)
      .map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery[]> {
    return {
      next: () => this.next(),
      // Leaving a for-await loop ends the loop, not the membership (see the contract).
      return: async () => ({ done: true, value: undefined }),
    };
  }

  async next(): Promise<IteratorResult<Delivery[]>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const batch = this.fetch(this.maxBatch);
      if (batch.length > 0) {
        const deadline = Date.now() + this.maxWaitMs;
        while (batch.length < this.maxBatch && !this.closed) {
          const left = deadline - Date.now();
          if (left <= 0 || !(await this.signal.wait(left))) break;
          for (const d of this.fetch(this.maxBatch - batch.length)) batch.push(d);
        }
        if (this.closed) return { done: true, value: undefined };
        return { done: false, value: batch };
      }
      await this.signal.wait();
    }
  }

  async commit(deliveries: Delivery[]): Promise<void> {
    for (const d of deliveries) this.settle(d, 'ack');
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.signal.notify();
      for (const name of this.topics) this.ctx.topicOf(name).listeners.delete(this.wake);
      try {
        await this.ctx.group.leave(this);
      } finally {
        if (this.readyState === 'pending') {
          this.fail(
            new HeroflowError('HF_BROKER_CLOSED', 'The subscription was closed before it became ready.'),
          );
        }
        this.ctx.onClosed(this);
      }
    })();
    return this.closing;
  }

  // ---- GroupMember: called by the group during rebalances ----

  owned(): Set<string> {
    return new Set([...this.states.values()].filter((s) => s.owned).map((s) => s.key));
  }

  async revoke(keys: string[]): Promise<void> {
    const states = keys.map((k) => this.states.get(k)).filter((s): s is PartitionState => s !== undefined);
    for (const s of states) s.fetching = false;
    // A batch that next() already resolved reaches the consumer's code in a later microtask; one macrotask
    // turn lets it arrive, so onRevoke sees (and can commit) everything handed out for these partitions.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.options.onRevoke && states.length > 0) {
      try {
        await this.options.onRevoke(states.map((s) => ({ topic: s.topic, partition: s.partition })));
      } catch (error) {
        this.ctx.log?.('error', 'onRevoke failed; partitions are released anyway', { error: String(error) });
      }
    }
    for (const s of states) {
      s.owned = false;
      this.states.delete(s.key);
    }
    this.fetchOrder = [...this.states.values()];
  }

  async assign(keys: string[]): Promise<void> {
    if (this.closed) return;
    const partitions = keys.map((k) => {
      const slash = k.lastIndexOf('/');
      return { topic: k.slice(0, slash), partition: Number(k.slice(slash + 1)) };
    });
    let starts: StartPosition[] | undefined;
    if (this.options.onAssign) {
      try {
        starts = (await this.options.onAssign(partitions)) ?? undefined;
      } catch (error) {
        this.ctx.log?.('error', 'onAssign failed; starting at the committed offsets', {
          error: String(error),
        });
      }
    }
    if (this.closed) return;
    const seek = new Map((starts ?? []).map((s) => [tpKey(s.topic, s.partition), s.offset]));
    for (const { topic, partition } of partitions) {
      const key = tpKey(topic, partition);
      const log = this.ctx.topicOf(topic).partitions[partition];
      const wanted = seek.get(key);
      let position =
        wanted === 'earliest'
          ? log.startOffset
          : wanted !== undefined
            ? Number(wanted)
            : (this.ctx.group.committed.get(key) ?? log.startOffset);
      // Below the retained head the messages are gone: resume at the oldest that exists (Kafka's reset).
      position = Math.min(Math.max(position, log.startOffset), log.endOffset);
      const state: PartitionState = {
        key,
        topic,
        partition,
        log,
        position,
        tracker: new OffsetTracker(BigInt(position)),
        requeued: [],
        fetching: true,
        owned: true,
      };
      this.states.set(key, state);
    }
    this.fetchOrder = [...this.states.values()];
    this.signal.notify();
  }

  settled(): void {
    if (this.readyState !== 'pending') return;
    this.readyState = 'ready';
    this.resolveReady();
  }

  // ---- internals ----

  private fail(error: unknown): void {
    if (this.readyState !== 'pending') return;
    this.readyState = 'failed';
    this.rejectReady(error);
  }

  private fetch(max: number): Delivery[] {
    const out: Delivery[] = [];
    const n = this.fetchOrder.length;
    if (n === 0) return out;
    this.roundRobin = (this.roundRobin + 1) % n;
    for (let i = 0; i < n && out.length < max; i++) {
      const s = this.fetchOrder[(this.roundRobin + i) % n];
      if (!s.fetching) continue;
      while (s.requeued.length > 0 && out.length < max) {
        const offset = s.requeued.shift()!;
        const message = s.log.get(offset);
        if (message) out.push(this.deliver(s, offset, message, true));
        else this.done(s, offset); // trimmed by retention: nothing left to redeliver
      }
      if (s.position < s.log.startOffset) s.position = s.log.startOffset;
      if (s.position >= s.log.endOffset || out.length >= max) continue;
      const seen = this.ctx.group.deliveredUpTo.get(s.key) ?? 0;
      while (s.position < s.log.endOffset && out.length < max) {
        const offset = s.position++;
        const message = s.log.get(offset)!;
        s.tracker.track(BigInt(offset));
        out.push(this.deliver(s, offset, message, offset < seen));
      }
      if (s.position > seen) this.ctx.group.deliveredUpTo.set(s.key, s.position);
    }
    return out;
  }

  private deliver(s: PartitionState, offset: number, m: StoredMessage, redelivered: boolean): Delivery {
    const delivery: Delivery = {
      topic: s.topic,
      key: m.key,
      value: m.value,
      headers: m.headers === undefined ? undefined : { ...m.headers },
      timestamp: m.timestamp,
      id: positionId(s.topic, s.partition, offset),
      partition: s.partition,
      offset: BigInt(offset),
      redelivered,
      ack: async () => this.settle(delivery, 'ack'),
      nack: (opts) =>
        opts?.requeue === false
          ? Promise.resolve(this.settle(delivery, 'drop'))
          : afterDelay(opts?.delayMs, () => this.settle(delivery, 'requeue')),
    };
    if (m.key === undefined) delete delivery.key;
    if (m.headers === undefined) delete delivery.headers;
    records.set(delivery, { owner: this, state: s, offset, settled: false });
    return delivery;
  }

  private settle(delivery: Delivery, outcome: 'ack' | 'drop' | 'requeue'): void {
    const record = records.get(delivery);
    // Unknown, already settled, or its partition was revoked (the next owner redelivers it): ignore.
    if (!record || record.settled || !record.state.owned) return;
    record.settled = true;
    const s = record.state;
    if (outcome === 'requeue') {
      const i = s.requeued.findIndex((o) => o > record.offset);
      s.requeued.splice(i < 0 ? s.requeued.length : i, 0, record.offset);
      record.owner.signal.notify();
      return;
    }
    record.owner.done(s, record.offset);
  }

  private done(s: PartitionState, offset: number): void {
    const watermark = s.tracker.markDone(BigInt(offset));
    if (watermark !== undefined) this.ctx.group.committed.set(s.key, Number(watermark));
  }
}

/**
 * A Kafka consumer-group member behind the pull contract.
 *
 * kafkajs pushes batches into `eachBatch`; the adapter copies them into a bounded queue and, while the
 * queue is over its high watermark, keeps `eachBatch` waiting (heartbeating), which stops kafkajs from
 * fetching more: pull-based with a bounded prefetch.
 *
 * Rebalances are eager (kafkajs implements the classic protocol): every owned partition is revoked, then
 * the new assignment arrives. `onRevoke` is awaited before the rejoin when the rebalance is noticed by the
 * heartbeat inside `eachBatch`. When kafkajs notices it elsewhere it rejoins at once, so the partitions
 * may be another member's already: `onRevoke(…, { lost: true })`, and the consumer drops what it holds
 * (a file written then could replace the new owner's; docs/kafka.md). The same when no heartbeat has
 * been answered for longer than the session timeout (a network partition): the coordinator has dropped
 * this member.
 *
 * Positions: kafkajs is always told `fromBeginning` (so "offset out of range" restarts from the
 * beginning), and every assigned partition is sought here before it is fetched: to its `onAssign` start
 * position (batch mode), else to the group's commit, else (`latest`, a group without commits) to the end
 * offsets captured when the subscription started.
 */
import type { Consumer, EachBatchPayload } from 'kafkajs';
import { HeroflowError } from '../../errors.js';
import {
  type Delivery,
  positionId,
  type StartPosition,
  type SubscribeOptions,
  type Subscription,
  type TopicPartition,
} from '../types.js';
import { BatchQueue } from '../util/batch-queue.js';
import { connectionLost } from '../util/connect-errors.js';
import { errorText } from '../util/connection-log.js';
import { CommitTracker } from '../util/offset-tracker.js';
import { retryWhile } from '../util/retry.js';
import { Signal } from '../util/signal.js';
import type { KafkaBroker } from './broker.js';
import { degradedCluster, isRebalanceError, KafkaDelivery, rawHeadersOf } from './delivery.js';

const key = (topic: string, partition: number) => `${topic}/${partition}`;
/** The group coordinator drops a member it has not heard from for this long. */
const SESSION_TIMEOUT_MS = 10_000;
/**
 * Without a heartbeat answered for this long the coordinator has dropped this member (a margin over the
 * session timeout for answers still in flight): its partitions are another member's now.
 */
const PRESUMED_DEAD_MS = SESSION_TIMEOUT_MS + 2_000;
const EMPTY = new Uint8Array(0);
/** How long a consumer whose cluster is degraded (a broker just gone) keeps trying to start. */
const DEGRADED_START_MS = 30_000;
/** How long committedPast waits for the group's offsets before it answers "cannot tell". */
const COMMITTED_PAST_WAIT_MS = 5_000;

function byTopic(parts: TopicPartition[]): { topic: string; partitions: number[] }[] {
  const m = new Map<string, number[]>();
  for (const p of parts) m.set(p.topic, [...(m.get(p.topic) ?? []), p.partition]);
  return [...m].map(([topic, partitions]) => ({ topic, partitions }));
}

export class KafkaSubscription implements Subscription {
  readonly #broker: KafkaBroker;
  readonly #opts: SubscribeOptions;
  readonly #consumer: Consumer;
  readonly #queue: BatchQueue<Delivery>;
  readonly #room = new Signal();
  readonly #joined = new Signal();
  readonly #tracker = new CommitTracker();
  /** Partitions this member owns: commits for them count. */
  readonly #owned = new Map<string, TopicPartition>();
  /** Owned partitions whose start position is settled: fetched batches of these are delivered. */
  readonly #fetching = new Set<string>();
  /** Highest offset handed out per partition, to flag redeliveries after a nack or a rejoin. */
  readonly #seen = new Map<string, bigint>();
  #latest = new Map<string, bigint>();
  #transition: Promise<void> = Promise.resolve();
  #revoking: Promise<void> | undefined;
  #generation = 0;
  /** This member's id in the group, from its last join. */
  #memberId: string | undefined;
  #closing: Promise<void> | undefined;
  /** When the coordinator last answered this member (a heartbeat or a join). */
  #lastContact = Date.now();
  readonly #watchdog: NodeJS.Timeout;
  readonly #ready: Promise<void>;
  #settleReady!: (err?: unknown) => void;

  constructor(
    broker: KafkaBroker,
    options: SubscribeOptions,
    private readonly onClosed: () => void,
  ) {
    this.#broker = broker;
    this.#opts = options;
    const maxBatch = options.maxBatch ?? 500;
    this.#queue = new BatchQueue<Delivery>({
      // Room for several fetches: kafkajs fetches nothing while eachBatch waits for room, so a queue that
      // fills with one fetch leaves the network idle while the consumer works (prefetch while it works).
      // 4,000 (a worker's maxBatch is 1,000): since kafkajs decodes faster than the ETL thread takes
      // records, the queue stays full, and each record in it holds its fetch response; 10,000 held 10–15 MB
      // more at the same rate (performance.md, session 18).
      capacity: Math.max(4_000, maxBatch * 4),
      resume: () => this.#room.notify(),
    });
    this.#ready = new Promise<void>((resolve, reject) => {
      this.#settleReady = (err) => (err === undefined ? resolve() : reject(err));
    });
    // Nobody has to call ready(); an unobserved rejection must not crash the process.
    this.#ready.catch(() => {});
    this.#consumer = broker.kafka.consumer({
      groupId: options.group,
      sessionTimeout: SESSION_TIMEOUT_MS,
      rebalanceTimeout: 30_000,
      // A heartbeat is how a member learns that another joined; until then it reads every partition, and
      // what it read since its last commit is read again by the next owner. 250 ms against 1 s: 0–0.3 %
      // of the records read twice by 2 workers starting together, against 3–7 % (performance.md, session 16).
      heartbeatInterval: 250,
      // Short fetch waits keep kafkajs heartbeating (and noticing rebalances) promptly.
      maxWaitTimeInMs: 250,
      // 256 KiB: with the native ETL the queue drains as fast as fetches come, and 1 MiB fetches only held
      // more of kafkajs' buffers at once (peak RSS 405–420 MB against 420–458, same rate: performance.md).
      maxBytesPerPartition: 1 << 18,
      allowAutoTopicCreation: false,
      retry: {
        retries: 5,
        initialRetryTime: 200,
        maxRetryTime: 5000,
        restartOnFailure: async () => !this.#closing,
      },
    });
    // A member cut off from the coordinator (a network partition) learns that it was dropped only when it
    // can talk to it again; until then it would go on handing out and writing what the group has given to
    // another member. Past the session timeout its partitions are taken to be lost.
    this.#watchdog = setInterval(() => this.#checkContact(), 1000);
    this.#watchdog.unref();
    this.#start().catch((err) => this.#fail(err));
  }

  #checkContact(): void {
    const silent = Date.now() - this.#lastContact;
    if (this.#closing || this.#owned.size === 0 || silent < PRESUMED_DEAD_MS) return;
    this.#broker.options.log?.(
      'warn',
      'no heartbeat answered for longer than the session timeout: partitions lost',
      {
        silentMs: silent,
        partitions: [...this.#owned.keys()],
      },
    );
    void this.#revokeAll(true);
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  assignment(): TopicPartition[] {
    return [...this.#owned.values()];
  }

  async #start(): Promise<void> {
    const topics = this.#opts.topics;
    const c = this.#consumer;
    c.on(c.events.GROUP_JOIN, (e) => {
      this.#memberId = e.payload.memberId;
      this.#onJoin(e.payload.memberAssignment);
    });
    // kafkajs rejoins right after this event without waiting for a listener: the partitions are lost.
    c.on(c.events.REBALANCING, () => void this.#revokeAll(true));
    c.on(c.events.CRASH, (e) => this.#onCrash(e.payload.error, e.payload.restart));
    c.on(c.events.CONNECT, () => this.#broker.connection.restored(this));
    c.on(c.events.HEARTBEAT, () => {
      this.#lastContact = Date.now();
    });
    // A cluster with a broker just gone names it as a leader or the coordinator until the controller
    // notices (seconds): the steps before the group join are tried again for a while, not failed at once.
    await retryWhile(() => this.#prepare(topics), {
      ...this.#degraded('Kafka consumer cannot start yet; retrying'),
      abandon: () => this.#closing !== undefined,
    });
    if (this.#closing) return;
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  /** Topics made, `latest` ends fixed, the consumer connected and subscribed. */
  async #prepare(topics: string[]): Promise<void> {
    await this.#broker.ensureTopics(
      topics.map((topic) => ({ topic, partitions: this.#broker.partitionsFor(topic) })),
    );
    if ((this.#opts.from ?? 'latest') === 'latest') {
      // "latest" means: what is published from now on. Fixing the end offsets here, before the (slow)
      // group join, keeps messages published between subscribe() and the assignment.
      for (const topic of topics) {
        for (const p of await this.#broker.admin.fetchTopicOffsets(topic)) {
          this.#latest.set(key(topic, p.partition), BigInt(p.high));
        }
      }
    }
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics, fromBeginning: true });
  }

  #onJoin(assignment: Record<string, number[]>): void {
    this.#lastContact = Date.now();
    this.#broker.connection.restored(this);
    this.#joined.notify();
    const parts = Object.entries(assignment).flatMap(([topic, ps]) =>
      ps.map((partition) => ({ topic, partition })),
    );
    // Hold the new partitions until their start positions are settled (onAssign may read Redis).
    if (parts.length > 0) this.#consumer.pause(byTopic(parts));
    const generation = ++this.#generation;
    this.#transition = this.#transition
      .then(async () => {
        // Joined already: whatever is still held was not given back before the group moved on.
        await this.#revokeAll(true);
        if (generation !== this.#generation || this.#closing) return;
        // Owned from onAssign on (assignment() lists them, a revoke takes them back), delivered only once
        // sought: a worker that saw no partitions while they settled idled out with them unread (docs/kafka.md).
        for (const p of parts) this.#owned.set(key(p.topic, p.partition), p);
        const positions = (await this.#opts.onAssign?.(parts)) ?? undefined;
        await this.#positionRetrying(parts, positions, () => generation !== this.#generation);
        if (generation !== this.#generation || this.#closing) return;
        // A rebalance noticed meanwhile (REBALANCING) took them back: they stay paused until the next join.
        const still = parts.filter((p) => this.#owned.has(key(p.topic, p.partition)));
        for (const p of still) this.#fetching.add(key(p.topic, p.partition));
        if (still.length > 0) this.#consumer.resume(byTopic(still));
        this.#settleReady();
      })
      .catch((err) => this.#fail(err));
  }

  /**
   * #position, tried again while a broker is unreachable (one just killed stays the partitions' leader
   * until the controller notices, seconds): a chaos run lost both workers of a group to ECONNREFUSED here.
   */
  async #positionRetrying(
    parts: TopicPartition[],
    positions: StartPosition[] | undefined,
    superseded: () => boolean,
  ): Promise<void> {
    await retryWhile(() => this.#position(parts, positions), {
      ...this.#degraded('Kafka start positions cannot be read yet; retrying'),
      // A newer join settles its own partitions.
      abandon: () => this.#closing !== undefined || superseded(),
    });
  }

  /**
   * How a step is retried while the cluster is degraded (lost connections, leaders being elected), for
   * DEGRADED_START_MS: a kafka-cluster chaos trial at load 12 lost both workers to LEADER_NOT_AVAILABLE here.
   */
  #degraded(warning: string) {
    return {
      retryable: degradedCluster,
      budgetMs: DEGRADED_START_MS,
      onRetry: (attempt: number, err: unknown) =>
        this.#broker.options.log?.('warn', warning, { attempt, error: errorText(err) }),
    };
  }

  /** Seek to onAssign's positions; partitions without one follow the group's commit, else `from`. */
  async #position(parts: TopicPartition[], positions: StartPosition[] | undefined): Promise<void> {
    const given = new Map((positions ?? []).map((p) => [key(p.topic, p.partition), p.offset]));
    const topics = [...new Set(parts.map((p) => p.topic))];
    const committed = new Map<string, bigint>();
    if (parts.some((p) => !given.has(key(p.topic, p.partition)))) {
      for (const t of await this.#broker.admin.fetchOffsets({ groupId: this.#opts.group, topics })) {
        for (const p of t.partitions)
          if (p.offset !== '-1') committed.set(key(t.topic, p.partition), BigInt(p.offset));
      }
    }
    const low = new Map<string, bigint>();
    for (const topic of topics) {
      for (const p of await this.#broker.admin.fetchTopicOffsets(topic))
        low.set(key(topic, p.partition), BigInt(p.low));
    }
    for (const { topic, partition } of parts) {
      const k = key(topic, partition);
      const want = given.get(k);
      let target: bigint | undefined;
      if (want !== undefined) target = want === 'earliest' ? low.get(k) : want;
      else target = committed.get(k) ?? this.#latest.get(k) ?? low.get(k);
      // Sought even to the commit, where kafkajs would resume by itself: kafkajs keeps a seek until its
      // partition is next fetched, across generations, so one settled for a partition lost before its first
      // fetch would come back on a later assignment and override the commit made meanwhile (re-reading and
      // dropping as superseded what the other member committed; test "a start position settled …").
      if (target !== undefined) this.#consumer.seek({ topic, partition, offset: target.toString() });
      this.#tracker.forget(topic, partition);
    }
  }

  async #eachBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const k = key(topic, partition);
    // Not ours (yet): leave the offset unresolved so kafkajs fetches it again once positions are settled.
    if (!this.#fetching.has(k) || this.#closing || isStale() || batch.messages.length === 0) return;
    // Per batch, not per message: the tracker, the redelivery mark and the partition key.
    const first = BigInt(batch.messages[0].offset);
    const tracker = this.#tracker.get(topic, partition) ?? this.#tracker.reset(topic, partition, first);
    const seen = this.#seen.get(k);
    let last = first;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      tracker.track(offset);
      last = offset;
      const d = new KafkaDelivery(
        this,
        topic,
        partition,
        offset,
        m.value ?? EMPTY,
        Number(m.timestamp),
        seen !== undefined && offset <= seen,
        m.key ?? undefined,
        rawHeadersOf(m),
        tracker,
      );
      this.#queue.push(d);
    }
    if (seen === undefined || last > seen) this.#seen.set(k, last);
    resolveOffset(batch.messages[batch.messages.length - 1].offset);
    while (this.#queue.isPaused && isRunning() && !this.#closing && this.#fetching.has(k)) {
      await this.#room.wait(1000);
      try {
        await heartbeat();
      } catch (err) {
        // The group is rebalancing (or this member was dropped): give the partitions back before kafkajs rejoins.
        await this.#revokeAll(false);
        throw err;
      }
    }
  }

  /**
   * Kafka has no per-message requeue, and rewinding the partition would redeliver everything after the
   * message too. The adapter hands the same message out again instead; it stays in flight in the tracker,
   * so no commit passes it, and if this member dies first Kafka's own replay brings it back.
   */
  async requeue(d: KafkaDelivery): Promise<void> {
    if (!this.#fetching.has(key(d.topic, d.partition))) return;
    const again = new KafkaDelivery(
      this,
      d.topic,
      d.partition,
      d.offset,
      d.value,
      d.timestamp,
      true,
      d.rawKey,
      d.rawHeaders,
      d.tracker,
    );
    this.#queue.push(again);
  }

  async committedPast(first: Delivery): Promise<boolean> {
    if (first.offset === undefined) return false;
    const group = await this.#askGroup(this.#broker.groupOffsets(this.#opts.group, first.topic));
    const committed = group?.get(first.partition);
    return committed !== undefined && committed > first.offset;
  }

  async assignedElsewhere(tp: TopicPartition): Promise<boolean> {
    const owners = await this.#askGroup(this.#broker.groupOwners(this.#opts.group));
    const owner = owners?.get(key(tp.topic, tp.partition));
    return owner !== undefined && owner !== this.#memberId;
  }

  /** The coordinator's answer, or undefined when it fails or takes longer than COMMITTED_PAST_WAIT_MS. */
  async #askGroup<T>(ask: Promise<T>): Promise<T | undefined> {
    // A cut-off broker answers never: write as before (the checks only narrow a race, they are no lock).
    const late = new Promise<undefined>((resolve) =>
      setTimeout(() => resolve(undefined), COMMITTED_PAST_WAIT_MS).unref(),
    );
    return Promise.race([ask.catch(() => undefined), late]);
  }

  async commitRun(first: Delivery, last: Delivery): Promise<void> {
    if (first.offset === undefined || last.offset === undefined) return;
    const k = key(first.topic, first.partition);
    // A revoked partition's run: its next owner reads it again (as in commit()).
    if (!this.#owned.has(k)) return;
    // Read under an earlier assignment of the partition (it was lost and came back to this member): the
    // current assignment reads it again from the group's commit, into a segment of its own. Marking the old
    // run in the new tracker committed past the start of that segment, which the superseded check then
    // dropped whole, records beyond the old run included: a partition stuck short of its end, every member
    // idle-waiting for it (two workers in bench:kafka, 2026-12-04).
    const tracker = this.#tracker.get(first.topic, first.partition);
    if (tracker === undefined || (first as KafkaDelivery).tracker !== tracker) return;
    const mark = tracker.markRange(first.offset, last.offset);
    if (mark === undefined) return;
    await this.#commitOffsets([{ topic: first.topic, partition: first.partition, offset: mark.toString() }]);
  }

  async commit(deliveries: Delivery[]): Promise<void> {
    const advanced = new Map<string, { topic: string; partition: number; offset: string }>();
    // Deliveries come in runs of one partition (a segment): look the partition up once per run.
    let runTopic: string | undefined;
    let runPartition = -1;
    let runKey = '';
    let runOwned = false;
    let runTracker: ReturnType<CommitTracker['get']>;
    for (const d of deliveries) {
      if (d.offset === undefined) continue;
      if (d.topic !== runTopic || d.partition !== runPartition) {
        runTopic = d.topic;
        runPartition = d.partition;
        runKey = key(d.topic, d.partition);
        // A revoked partition's delivery: its next owner reads it again, committing it here would race that owner.
        runOwned = this.#owned.has(runKey);
        runTracker = this.#tracker.get(d.topic, d.partition);
      }
      // Read under an earlier assignment of the partition: see commitRun.
      if (!runOwned || !runTracker || (d as KafkaDelivery).tracker !== runTracker) continue;
      const mark = runTracker.markDone(d.offset);
      if (mark !== undefined)
        advanced.set(runKey, { topic: d.topic, partition: d.partition, offset: mark.toString() });
    }
    if (advanced.size === 0) return;
    await this.#commitOffsets([...advanced.values()]);
  }

  async #commitOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    try {
      await this.#consumer.commitOffsets(offsets);
    } catch (err) {
      if (connectionLost(err)) {
        // The broker is gone (kafkajs has retried): the consumer's crash handler gives the partitions up,
        // and whoever reads them next starts from the last commit, writing the same files again. Failing
        // here would stop a worker that a broker restart should only pause.
        this.#broker.options.log?.('warn', 'commit lost with the connection; the next owner re-reads', {
          partitions: offsets.map((o) => positionId(o.topic, o.partition, o.offset)),
          error: (err as Error).message,
        });
        return;
      }
      // Mid-rebalance the old generation is refused; the same commit is valid once the member has rejoined.
      if (!isRebalanceError(err)) throw err;
      if (!this.#closing) await this.#joined.wait(30_000);
      // Owned again after the rejoin does not mean owned all along: another member may have read on and
      // committed further meanwhile (this one was cut off), and this commit must not move the group back.
      const still = await this.#notBehindGroup(
        offsets.filter((o) => this.#owned.has(key(o.topic, o.partition))),
      );
      try {
        if (still.length > 0 && !this.#closing) await this.#consumer.commitOffsets(still);
        else if (still.length > 0) throw err;
      } catch (again) {
        if (!isRebalanceError(again)) throw again;
        // Leaving, or the partitions moved on: the next owner re-reads from the last commit. Those copies
        // carry the same offsets, so the worker's file names make them overwrites: duplicates, never loss.
        this.#broker.options.log?.('warn', 'commit refused by a rebalance; the next owner re-reads', {
          partitions: still.map((o) => positionId(o.topic, o.partition, o.offset)),
          error: (again as Error).message,
        });
      }
    }
  }

  /** The offsets that are ahead of what the group has committed (all of them if that cannot be read). */
  async #notBehindGroup(
    offsets: { topic: string; partition: number; offset: string }[],
  ): Promise<{ topic: string; partition: number; offset: string }[]> {
    if (offsets.length === 0) return offsets;
    const out: typeof offsets = [];
    for (const topic of new Set(offsets.map((o) => o.topic))) {
      const group = await this.#broker.groupOffsets(this.#opts.group, topic).catch(() => undefined);
      for (const o of offsets) {
        if (o.topic !== topic) continue;
        const committed = group?.get(o.partition);
        if (committed === undefined || BigInt(o.offset) > committed) out.push(o);
        else
          this.#broker.options.log?.('warn', 'stale commit dropped: the group has read further', {
            partition: positionId(o.topic, o.partition, o.offset),
            committed: committed.toString(),
          });
      }
    }
    return out;
  }

  /**
   * Stop delivering every owned partition, drop their buffered deliveries, await onRevoke, then forget them.
   * `lost` when the group may have handed them to another member already (see SubscribeOptions.onRevoke).
   */
  #revokeAll(lost: boolean): Promise<void> {
    if (this.#revoking) return this.#revoking;
    const parts = [...this.#owned.values()];
    if (parts.length === 0) return Promise.resolve();
    this.#fetching.clear();
    this.#room.notify();
    this.#queue.discard(() => true);
    this.#revoking = (async () => {
      try {
        await this.#opts.onRevoke?.(parts, { lost });
      } catch (err) {
        this.#broker.options.log?.('error', 'onRevoke failed', { error: (err as Error).message });
      } finally {
        for (const p of parts) {
          if (this.#fetching.has(key(p.topic, p.partition))) continue;
          this.#owned.delete(key(p.topic, p.partition));
          this.#tracker.forget(p.topic, p.partition);
        }
        this.#revoking = undefined;
      }
    })();
    return this.#revoking;
  }

  #onCrash(error: unknown, restart: boolean): void {
    if (this.#closing) return;
    if (!restart) {
      this.#fail(error);
      return;
    }
    this.#broker.connection.lost(this, { client: 'consumer', error: errorText(error) });
    // Membership is gone with the connection: commits of the old generation would be refused anyway, so the
    // partitions are dropped first and onRevoke only tells the consumer to let go of what it holds.
    const parts = [...this.#owned.values()];
    this.#owned.clear();
    this.#fetching.clear();
    this.#queue.discard(() => true);
    if (parts.length > 0) void Promise.resolve(this.#opts.onRevoke?.(parts, { lost: true })).catch(() => {});
  }

  #fail(error: unknown): void {
    const err =
      error instanceof HeroflowError
        ? error
        : new HeroflowError(
            'HF_BROKER_UNREACHABLE',
            `Kafka consumer of ${this.#broker.url} stopped: ${(error as Error)?.message ?? error}`,
            {
              cause: error,
            },
          );
    this.#settleReady(err);
    this.#queue.fail(err);
    void this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<Delivery[]> {
    return {
      next: async () => {
        const batch = this.#closing
          ? null
          : await this.#queue.next(this.#opts.maxBatch ?? 500, this.#opts.maxWaitMs ?? 0);
        return batch ? { value: batch, done: false } : { value: undefined, done: true };
      },
      return: async () => ({ value: undefined, done: true }),
    };
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#watchdog);
      this.#settleReady(
        new HeroflowError('HF_BROKER_CLOSED', `subscription to ${this.#opts.topics.join(', ')} was closed`),
      );
      this.#queue.discard(() => true);
      this.#queue.close();
      this.#room.notify();
      await this.#transition;
      // onRevoke runs while the member still belongs to the group, so its commits count.
      await this.#revokeAll(false);
      await this.#consumer.disconnect().catch(() => {});
      this.onClosed();
    })();
    return this.#closing;
  }
}

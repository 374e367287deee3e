/**
 * A consumer group of the memory broker: committed offsets, membership and (serialised) rebalances.
 *
 * A rebalance is cooperative: only partitions that move are revoked. The old owner stops fetching them,
 * its `onRevoke` runs (it may still commit them), and only then does the new owner get them (`onAssign`)
 * and start at the group's committed offset — so uncommitted messages come back, marked redelivered.
 */
import { type AssignMember, assignPartitions } from './assign.js';
import type { Topic } from './log.js';

/** What the group needs from a member; implemented by MemorySubscription. */
export interface GroupMember extends AssignMember {
  owned(): Set<string>;
  /** Stop fetching these, run onRevoke, then release them. */
  revoke(keys: string[]): Promise<void>;
  /** Run onAssign, then start fetching these. */
  assign(keys: string[]): Promise<void>;
  /** The first rebalance that included this member is over. */
  settled(): void;
}

export class Group {
  /** tpKey → next offset to read (Kafka's committed offset). Survives members leaving. */
  readonly committed = new Map<string, number>();
  /** tpKey → one past the highest offset ever handed out in this group; below it a delivery is a repeat. */
  readonly deliveredUpTo = new Map<string, number>();
  private readonly members: GroupMember[] = [];
  /** Members that own partitions, including ones that left and still wait for their revoke. */
  private readonly owners = new Set<GroupMember>();
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  constructor(
    readonly name: string,
    private readonly topicOf: (name: string) => Topic,
  ) {}

  get size(): number {
    return this.members.length;
  }

  subscribedTo(topic: string): boolean {
    return this.members.some((m) => m.topics.includes(topic));
  }

  /**
   * Positions for a group that has none: fixed at join time, so that `latest` means "what is published
   * after subscribe()" rather than "after the asynchronous assignment", and nothing published in between
   * is skipped.
   */
  join(member: GroupMember, from: 'earliest' | 'latest'): Promise<void> {
    for (const name of member.topics) {
      const topic = this.topicOf(name);
      topic.partitions.forEach((log, p) => {
        const key = `${name}/${p}`;
        if (!this.committed.has(key))
          this.committed.set(key, from === 'latest' ? log.endOffset : log.startOffset);
      });
    }
    this.members.push(member);
    return this.rebalance();
  }

  leave(member: GroupMember): Promise<void> {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
    return this.rebalance();
  }

  /** Schedule a rebalance; rebalances run one at a time and requests made while one waits coalesce. */
  rebalance(): Promise<void> {
    if (this.queued) return this.queued;
    const run = this.chain.then(() => {
      this.queued = null;
      return this.runRebalance();
    });
    this.queued = run;
    this.chain = run.catch(() => {});
    return run;
  }

  private async runRebalance(): Promise<void> {
    const live = [...this.members];
    const counts = new Map<string, number>();
    for (const m of live) for (const t of m.topics) counts.set(t, this.topicOf(t).partitions.length);
    const current = new Map<string, Set<string>>();
    for (const m of this.owners) current.set(m.id, m.owned());
    const target = assignPartitions(live, counts, current);

    await Promise.all(
      [...this.owners].map(async (m) => {
        const keep = target.get(m.id) ?? new Set<string>();
        const lost = [...m.owned()].filter((k) => !keep.has(k));
        if (lost.length > 0) await m.revoke(lost);
        if (m.owned().size === 0) this.owners.delete(m);
      }),
    );
    await Promise.all(
      live.map(async (m) => {
        const owned = m.owned();
        const gained = [...(target.get(m.id) ?? [])].filter((k) => !owned.has(k));
        if (gained.length > 0) {
          this.owners.add(m);
          await m.assign(gained);
        }
      }),
    );
    for (const m of live) m.settled();
  }
}

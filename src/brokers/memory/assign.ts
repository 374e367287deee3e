/**
 * Partition assignment for a consumer group: balanced per topic and sticky (a member keeps what it owns
 * while within its quota), so a join or leave moves as few partitions as possible and therefore revokes
 * as few as possible — the point of Kafka's cooperative-sticky assignor.
 */
export interface AssignMember {
  id: string;
  topics: readonly string[];
}

import { partitionKey } from '../types.js';

export const tpKey = partitionKey;

/**
 * @param members live members in join order (earlier members win ties, which keeps results stable)
 * @param partitionCounts partitions per topic
 * @param current what each member owns now (`tpKey`s), possibly including members that are leaving
 * @returns member id → owned `tpKey`s, for every live member (empty set when it gets nothing)
 */
export function assignPartitions(
  members: readonly AssignMember[],
  partitionCounts: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, ReadonlySet<string>>,
): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>(members.map((m) => [m.id, new Set<string>()]));
  const load = new Map<string, number>(members.map((m) => [m.id, 0]));
  const order = new Map<string, number>(members.map((m, i) => [m.id, i]));
  const topics = [...partitionCounts.keys()].sort();
  for (const topic of topics) {
    const n = partitionCounts.get(topic) ?? 0;
    const eligible = members.filter((m) => m.topics.includes(topic));
    if (n === 0 || eligible.length === 0) continue;
    // The least-loaded members take the remainder partitions, so small topics spread over the group.
    const ranked = [...eligible].sort(
      (a, b) =>
        (load.get(a.id) ?? 0) - (load.get(b.id) ?? 0) || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0),
    );
    const base = Math.floor(n / eligible.length);
    const extra = n % eligible.length;
    const quota = new Map<string, number>(ranked.map((m, i) => [m.id, base + (i < extra ? 1 : 0)]));
    const taken = new Map<string, number>(eligible.map((m) => [m.id, 0]));
    const unassigned: number[] = [];
    for (let p = 0; p < n; p++) {
      const key = tpKey(topic, p);
      const owner = eligible.find((m) => current.get(m.id)?.has(key));
      if (owner && (taken.get(owner.id) ?? 0) < (quota.get(owner.id) ?? 0)) {
        result.get(owner.id)?.add(key);
        taken.set(owner.id, (taken.get(owner.id) ?? 0) + 1);
      } else {
        unassigned.push(p);
      }
    }
    for (const p of unassigned) {
      const m = ranked.find((r) => (taken.get(r.id) ?? 0) < (quota.get(r.id) ?? 0));
      if (!m) break;
      result.get(m.id)?.add(tpKey(topic, p));
      taken.set(m.id, (taken.get(m.id) ?? 0) + 1);
    }
    for (const m of eligible) load.set(m.id, (load.get(m.id) ?? 0) + (taken.get(m.id) ?? 0));
  }
  return result;
}

/**
 * Test helpers for the workload manager: a processor that measures what the invariants are about
 * (concurrency globally, per workload and per key; order per key; successes per message) and a wrapper
 * around a real broker that records acks, nacks and consumer closes in the order they happen.
 */
import type { Broker, Delivery, Message, Subscription } from '../../src/brokers/types.js';
import type { Processor, WorkloadSpec } from '../../src/workloads/index.js';

export interface Body {
  tag: string;
  seq: number;
}

export function bodies(topic: string, tagPrefix: string, n: number, keys = 5, from = 0): Message[] {
  return Array.from({ length: n }, (_, j) => {
    const i = from + j;
    const key = `k${i % keys}`;
    return { topic, key, value: Buffer.from(JSON.stringify({ tag: `${tagPrefix}:${i}`, seq: i })) };
  });
}

const bodyOf = (d: Delivery): Body => JSON.parse(Buffer.from(d.value).toString('utf8')) as Body;

export class Probe {
  global = 0;
  maxGlobal = 0;
  readonly perWorkload = new Map<string, number>();
  readonly maxPerWorkload = new Map<string, number>();
  readonly perKey = new Map<string, number>();
  maxPerKey = 0;
  /** workload/key → seqs in the order their tasks started. */
  readonly starts = new Map<string, number[]>();
  /** tag → successful runs. */
  readonly succeeded = new Map<string, number>();
  readonly attempts = new Map<string, number>();
  failures = 0;
  /** Every start: tag, whether the broker flagged it redelivered, and the delivery id (diagnostics). */
  readonly log: string[] = [];

  constructor(
    readonly opts: { sleepMs?: number; failFirstAttempt?: (b: Body) => boolean; block?: Promise<void> } = {},
  ) {}

  processor(spec: WorkloadSpec): Processor {
    return async (d) => {
      const b = bodyOf(d);
      const w = spec.name;
      const lane = `${w}/${d.key}`;
      const bump = (m: Map<string, number>, k: string, by: number) => {
        const v = (m.get(k) ?? 0) + by;
        m.set(k, v);
        return v;
      };
      this.maxGlobal = Math.max(this.maxGlobal, ++this.global);
      this.maxPerWorkload.set(w, Math.max(this.maxPerWorkload.get(w) ?? 0, bump(this.perWorkload, w, 1)));
      this.maxPerKey = Math.max(this.maxPerKey, bump(this.perKey, lane, 1));
      const seqs = this.starts.get(lane) ?? [];
      seqs.push(b.seq);
      this.starts.set(lane, seqs);
      const attempt = bump(this.attempts, b.tag, 1);
      this.log.push(`${b.tag} ${d.id}${d.redelivered ? ' redelivered' : ''}`);
      try {
        if (this.opts.block) await this.opts.block;
        await new Promise((r) => setTimeout(r, this.opts.sleepMs ?? 10));
        if (attempt === 1 && this.opts.failFirstAttempt?.(b)) {
          this.failures++;
          throw new Error(`planned failure of ${b.tag}`);
        }
        bump(this.succeeded, b.tag, 1);
      } finally {
        this.global--;
        bump(this.perWorkload, w, -1);
        bump(this.perKey, lane, -1);
      }
    };
  }

  done(prefix: string): number {
    let n = 0;
    for (const k of this.succeeded.keys()) if (k.startsWith(`${prefix}:`)) n++;
    return n;
  }
}

export async function until(
  cond: () => boolean,
  what: string,
  timeoutMs = 60_000,
  state?: () => string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${state ? `: ${state()}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A real broker, with every ack/nack and consumer close recorded as `ack <group>`, `close <group>`. */
export function recording(broker: Broker, events: string[]): Broker {
  const wrapSub = (sub: Subscription, group: string): Subscription => {
    const close = sub.close.bind(sub);
    const iterate = sub[Symbol.asyncIterator].bind(sub);
    return {
      ready: () => sub.ready(),
      commit: (ds: Delivery[]) => sub.commit(ds),
      assignment: () => sub.assignment(),
      close: async () => {
        await close();
        events.push(`close ${group}`);
      },
      [Symbol.asyncIterator]: () => {
        const it = iterate();
        return {
          next: async () => {
            const r = await it.next();
            if (!r.done) {
              for (const d of r.value) {
                const ack = d.ack.bind(d);
                const nack = d.nack.bind(d);
                d.ack = () => {
                  events.push(`ack ${group}`);
                  return ack();
                };
                d.nack = (o) => {
                  events.push(`nack ${group}`);
                  return nack(o);
                };
              }
            }
            return r;
          },
        };
      },
    };
  };
  return new Proxy(broker, {
    get(target, p) {
      if (p === 'subscribe')
        return (o: Parameters<Broker['subscribe']>[0]) => wrapSub(target.subscribe(o), o.group);
      if (p === 'close')
        return async () => {
          events.push('client closed');
          await target.close();
        };
      const v = Reflect.get(target, p);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/**
 * The seed's example processors (`SimpleMessageProcessor`, `MapMessageProcessor`,
 * `OrderedMessageProcessor`): payload `{"name": …, "numPublishes": n}`; log `"<workload>: <name> publish
 * #<n>"`, sleep, fail 1 in N at random (`"Simulating failure for message: …"`), else publish the payload
 * again with n + 1 to the same topic and key — an endless loop, as upstream. With `recordTo`, each success
 * is appended to a file (synchronously: the line is in the kernel before the ack, so a SIGKILL after it
 * cannot lose it). Every `reportEveryMs` it logs how many are in progress (per key for ordered
 * workloads). `close()` waits for republishes in flight:
 * the "close producers" step of the shutdown.
 */
import { appendFileSync } from 'node:fs';
import type { Broker, Delivery } from '../brokers/types.js';
import type { LogFn, Processor } from './runner.js';
import type { ProcessorSettings, WorkloadSpec } from './spec.js';

export interface TestPayload {
  name: string;
  numPublishes: number;
}

export function encodePayload(p: TestPayload): Uint8Array {
  return Buffer.from(JSON.stringify(p));
}

function decode(d: Delivery): TestPayload {
  try {
    const p = JSON.parse(Buffer.from(d.value).toString('utf8')) as Partial<TestPayload>;
    return { name: String(p.name ?? ''), numPublishes: Number(p.numPublishes ?? 0) };
  } catch {
    return { name: Buffer.from(d.value).toString('utf8'), numPublishes: 0 };
  }
}

export interface SeedProcessors {
  processorFor(spec: WorkloadSpec): Processor;
  /** Tasks in progress per workload and per key, as upstream's report. */
  report(): string;
  close(): Promise<void>;
}

export function createSeedProcessors(opts: {
  broker: Broker;
  log: LogFn;
  defaults?: Partial<ProcessorSettings>;
  random?: () => number;
}): SeedProcessors {
  const random = opts.random ?? Math.random;
  const inProgress = new Map<string, number>();
  const pending = new Set<Promise<void>>();
  const bump = (k: string, by: number) => {
    const n = (inProgress.get(k) ?? 0) + by;
    if (n === 0) inProgress.delete(k);
    else inProgress.set(k, n);
  };
  return {
    processorFor(spec) {
      const s: ProcessorSettings = {
        sleepMs: 1000,
        failureRate: 0,
        republish: true,
        ...opts.defaults,
        ...spec.processor,
      };
      return async (d) => {
        const p = decode(d);
        const k = `${spec.name}${d.key === undefined ? '' : ` key ${d.key}`}`;
        bump(k, 1);
        try {
          opts.log(
            'info',
            `${spec.name}: ${p.name} publish #${p.numPublishes}`,
            d.key === undefined ? undefined : { key: d.key },
          );
          await new Promise((r) => setTimeout(r, s.sleepMs));
          if (s.failureRate > 0 && random() < s.failureRate) {
            opts.log('warn', `Simulating failure for message: ${p.name} publish #${p.numPublishes}`, {
              workload: spec.name,
            });
            throw new Error(`simulated failure of ${p.name}`);
          }
          if (s.republish) {
            const sent = opts.broker.publish([
              {
                topic: d.topic,
                value: encodePayload({ name: p.name, numPublishes: p.numPublishes + 1 }),
                ...(d.key === undefined ? {} : { key: d.key }),
              },
            ]);
            pending.add(sent);
            try {
              await sent;
            } finally {
              pending.delete(sent);
            }
          }
          if (s.recordTo) appendFileSync(s.recordTo, `${spec.name} ${p.name} #${p.numPublishes}\n`);
        } finally {
          bump(k, -1);
        }
      };
    },
    report() {
      let total = 0;
      for (const n of inProgress.values()) total += n;
      const parts = [...inProgress].map(([k, n]) => `${k} has ${n} in Progress`);
      return `[processor] Total in progress: ${total}.${parts.length > 0 ? `\t${parts.join(',')}` : ''}`;
    },
    async close() {
      await Promise.allSettled([...pending]);
    },
  };
}

/**
 * The worker-thread form of the transport, for real brokers: the target of
 * `pino.transport({ target: '<dist>/transport/worker.js', options })`. Runs in its own thread (compiled
 * JS; Node 20 cannot load .ts there), opens the broker from its URL, and publishes every queue-carrying
 * record in batches. `close` (on the logger's transport `end()`) publishes what is left, then closes
 * the broker; the main thread waits for the stream's `close` event (see logger.ts).
 *
 * Counts of accepted messages go back through a SharedArrayBuffer (`counters`, one Int32 slot per
 * entry of `topics`, plus a last slot for any other topic): pino's transport has no other channel back.
 */
import build from 'pino-abstract-transport';
import type { WireFormat } from '../brokers/types.js';
import { type BatchOptions, BatchPublisher, type PublishTarget } from './batch-publisher.js';
import type { PinoRecord } from './envelope.js';
import { openFileSink } from './file-sink.js';
import { recordToMessage } from './message.js';
import type { KeyBy } from './message-key.js';

export interface WorkerTransportOptions {
  /** A broker URL (`redis://…`, `kafka://…`, …) or `file:///path.jsonl` for the debug sink. */
  brokerUrl: string;
  /** How messages look on the broker (BrokerOptions.wire). */
  wire?: WireFormat;
  /** Message keys (message-key.ts); default `none`. */
  keyBy?: KeyBy;
  batch?: BatchOptions;
  counters?: SharedArrayBuffer;
  topics?: string[];
}

type Target = PublishTarget & { close(): Promise<void> };

async function openTarget(url: string, wire: WireFormat): Promise<Target> {
  if (url.startsWith('file:')) return openFileSink(url);
  const { openBroker } = await import('../brokers/index.js');
  return openBroker(url, { wire });
}

/**
 * Errors reach the main thread structured-cloned, without their `code`: carry it in the message as
 * `[HF_…] ` (logger.ts turns it back into a HeroflowError with that code).
 */
function tagged(err: unknown): Error {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' && code.startsWith('HF_')
    ? new Error(`[${code}] ${message}`)
    : (err as Error);
}

export default async function heroflowTransport(options: WorkerTransportOptions) {
  const wire = options.wire ?? 'heroflow';
  const target = await openTarget(options.brokerUrl, wire).catch((err) => {
    throw tagged(err);
  });
  const topics = options.topics ?? [];
  const slots = options.counters ? new Int32Array(options.counters) : undefined;
  const publisher = new BatchPublisher(target, options.batch, (batch) => {
    if (!slots) return;
    for (const m of batch) {
      const i = topics.indexOf(m.topic);
      Atomics.add(slots, i === -1 ? topics.length : i, 1);
    }
  });
  return build(
    async (source: AsyncIterable<PinoRecord>) => {
      for await (const record of source) {
        const message = recordToMessage(record, wire, options.keyBy);
        if (!message) continue;
        publisher.add(message);
        if (publisher.needsDrain) await publisher.drain();
      }
    },
    {
      async close() {
        try {
          await publisher.flush();
        } catch (err) {
          throw tagged(err);
        } finally {
          await target.close();
        }
      },
    },
  );
}

/**
 * The in-thread form of the transport: a pino destination stream (`pino(options, destination)`) that
 * publishes queue-carrying records to a broker living in this thread — the embedded `memory://` broker,
 * which a worker thread could not reach.
 */
import type { Message, WireFormat } from '../brokers/types.js';
import { type BatchOptions, BatchPublisher, type PublishTarget } from './batch-publisher.js';
import type { PinoRecord } from './envelope.js';
import { mayCarryQueue, recordToMessage } from './message.js';
import type { KeyBy } from './message-key.js';

export interface BrokerDestinationOptions extends BatchOptions {
  /** Also close the broker on `close()` (when the destination owns it). Default false. */
  closeBroker?: boolean;
  /** How messages look on the broker (BrokerOptions.wire); default `heroflow`. */
  wire?: WireFormat;
  /** Message keys (message-key.ts); default `none`. */
  keyBy?: KeyBy;
}

export interface BrokerDestination {
  /** pino's stream interface: one serialized record per call. */
  write(line: string): boolean;
  /** Resolves when every record written so far is published (also accepts pino's flush callback). */
  flush(callback?: (err?: Error) => void): Promise<void>;
  /** Waits while too much is unpublished; yields to the event loop in any case. */
  drain(): Promise<void>;
  /** Flushes, then closes the broker if `closeBroker`. */
  close(): Promise<void>;
  /** Messages the broker accepted, per topic. */
  counts(): Record<string, number>;
}

export function createBrokerDestination(
  broker: PublishTarget & { close?(): Promise<void> },
  options: BrokerDestinationOptions = {},
): BrokerDestination {
  const publisher = new BatchPublisher(broker, options);
  let closed = false;
  return {
    write(line) {
      if (!mayCarryQueue(line)) return true;
      const message: Message | undefined = recordToMessage(
        JSON.parse(line) as PinoRecord,
        options.wire,
        options.keyBy,
      );
      if (message) publisher.add(message);
      return true;
    },
    flush(callback) {
      const done = publisher.flush();
      if (callback) done.then(() => callback(), callback);
      return done;
    },
    drain: () => publisher.drain(),
    async close() {
      await publisher.flush();
      if (!closed && options.closeBroker) {
        closed = true;
        await broker.close?.();
      }
    },
    counts: () => publisher.counts(),
  };
}

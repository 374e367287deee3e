/**
 * Dead letters are not in the Parquet output: a worker sends each malformed message to `<topic>.dlq` on
 * the broker, with the reason and the original position in headers (worker/dead-letter.ts). This reads
 * those topics as a throwaway consumer group from the earliest message, commits nothing (other readers
 * and a later run see the same), stops after `idleMs` without a message, and loads the rows into DuckDB
 * as the `dead_letters` table.
 */
import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Broker, Delivery } from '../brokers/types.js';
import { HeroflowError } from '../errors.js';
import { DLQ_SUFFIX, HEADER_DLQ_POSITION, HEADER_DLQ_REASON } from '../worker/dead-letter.js';

export interface DeadLetter {
  /** The topic the message was meant for (without `.dlq`). */
  topic: string;
  /** The worker's rejection: `code` or `code: field` (not_json, missing_field: task.PAYLOAD, …). */
  reason: string;
  /** Where the message was on its topic (`topic/partition@offset`, a stream id…). */
  position: string;
  bytes: number;
}

function toDeadLetter(d: Delivery): DeadLetter {
  return {
    topic: d.topic.endsWith(DLQ_SUFFIX) ? d.topic.slice(0, -DLQ_SUFFIX.length) : d.topic,
    // A broker without headers (capabilities.headers false) cannot carry the reason.
    reason: d.headers?.[HEADER_DLQ_REASON] ?? 'unknown',
    position: d.headers?.[HEADER_DLQ_POSITION] ?? d.id,
    bytes: d.value.byteLength,
  };
}

/** Every dead letter of `topics` still on the broker. Throws HF_BROKER_UNSUPPORTED where none can be re-read. */
export async function readDeadLetters(
  broker: Broker,
  topics: string[],
  idleMs: number,
): Promise<DeadLetter[]> {
  const { persistence, rewind } = broker.capabilities;
  if (!persistence || !rewind) {
    throw new HeroflowError(
      'HF_BROKER_UNSUPPORTED',
      `${broker.url} does not keep messages for a later reader (persistence ${persistence}, rewind ${rewind}), so the dead letters cannot be read back; use a broker that does (kafka://, redis+streams://, nats://) or count them on the worker (its summary and heroflow_dlq_messages_total).`,
    );
  }
  const dlqTopics = topics.map((t) => t + DLQ_SUFFIX);
  const group = `heroflow-query-${randomBytes(4).toString('hex')}`;
  const sub = broker.subscribe({ topics: dlqTopics, group, from: 'earliest', maxBatch: 1000, maxWaitMs: 50 });
  const out: DeadLetter[] = [];
  try {
    await sub.ready();
    const batches = sub[Symbol.asyncIterator]();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<'idle'>((resolve) => {
        timer = setTimeout(() => resolve('idle'), idleMs);
      });
      const next = await Promise.race([batches.next(), idle]);
      clearTimeout(timer);
      if (next === 'idle' || next.done) break;
      for (const d of next.value) out.push(toDeadLetter(d));
    }
  } finally {
    await sub.close();
    await broker.deleteGroup?.(group, dlqTopics);
  }
  return out;
}

export async function loadDeadLetters(connection: DuckDBConnection, rows: DeadLetter[]): Promise<void> {
  await connection.run(
    'CREATE TABLE dead_letters (topic VARCHAR, reason VARCHAR, position VARCHAR, bytes UBIGINT)',
  );
  const appender = await connection.createAppender('dead_letters');
  for (const r of rows) {
    appender.appendVarchar(r.topic);
    appender.appendVarchar(r.reason);
    appender.appendVarchar(r.position);
    appender.appendUBigInt(BigInt(r.bytes));
    appender.endRow();
  }
  appender.closeSync();
}

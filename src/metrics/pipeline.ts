/**
 * Pipeline metrics read on scrape from the components' own counters (the worker's `stats()`, the
 * transport's publish counts, the game server's stats), through prom-client `collect()` callbacks: the
 * components stay free of metrics code, and a scrape costs nothing between scrapes.
 * Names follow DESIGN.md: `heroflow_` prefix, base units, counters ending `_total`, no ids as labels.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { PREFIX } from './registry.js';

/** What the metrics read from a worker; the worker's `WorkerStats` has this shape. */
export interface PipelineStats {
  consumed: number;
  consumedByTopic: Record<string, number>;
  committed: number;
  /** When present, acked messages are labelled by topic. */
  committedByTopic?: Record<string, number>;
  redelivered?: number;
  rowsByTable: Record<string, number>;
  files: number;
  deadLetters: number;
  /** When present, dead letters are labelled by topic and reason code. */
  deadLettersByTopic?: Record<string, Record<string, number>>;
  bytesWritten: number;
  openSegments?: number;
  openBytes?: number;
}

/** Set a counter to an absolute value read from a component (it only ever grows there). */
function setCounter(c: Counter<string>, labels: Record<string, string> | undefined, value: number): void {
  if (labels) c.inc(labels, value);
  else c.inc(value);
}

function sum(values: Iterable<number>): number {
  let n = 0;
  for (const v of values) n += v;
  return n;
}

/**
 * Worker metrics summed over every worker `source()` returns at scrape time (a demo runs several in one
 * process; `heroflow worker` one).
 */
export function registerWorkerMetrics(registry: Registry, source: () => PipelineStats[]): void {
  const counter = (
    name: string,
    help: string,
    labelNames: string[],
    read: (s: PipelineStats[]) => Array<[Record<string, string> | undefined, number]>,
  ) =>
    new Counter({
      name: `${PREFIX}${name}`,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, value] of read(source())) setCounter(this, labels, value);
      },
    });
  const gauge = (name: string, help: string, read: (s: PipelineStats[]) => number) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      registers: [registry],
      collect() {
        this.set(read(source()));
      },
    });
  const byKey =
    (pick: (s: PipelineStats) => Record<string, number>, label: string) => (all: PipelineStats[]) => {
      const totals = new Map<string, number>();
      for (const s of all)
        for (const [k, v] of Object.entries(pick(s))) totals.set(k, (totals.get(k) ?? 0) + v);
      return [...totals].map(([k, v]) => [{ [label]: k }, v] as [Record<string, string>, number]);
    };
  const total = (pick: (s: PipelineStats) => number | undefined) => (all: PipelineStats[]) =>
    [[undefined, sum(all.map((s) => pick(s) ?? 0))]] as Array<[undefined, number]>;

  counter(
    'messages_consumed_total',
    'Messages the workers received, per topic (redeliveries included).',
    ['topic'],
    byKey((s) => s.consumedByTopic, 'topic'),
  );
  counter(
    'messages_acked_total',
    'Messages acknowledged / committed to the broker after their file was durable, per topic.',
    ['topic'],
    (all) =>
      all.every((s) => s.committedByTopic)
        ? byKey((s) => s.committedByTopic ?? {}, 'topic')(all)
        : total((s) => s.committed)(all),
  );
  counter(
    'messages_redelivered_total',
    'Messages the broker marked as delivered before.',
    [],
    total((s) => s.redelivered),
  );
  counter(
    'dlq_messages_total',
    'Messages that could not be parsed and went to the dead-letter output, per topic and reason.',
    ['topic', 'reason'],
    (all) => {
      if (!all.every((s) => s.deadLettersByTopic)) return total((s) => s.deadLetters)(all);
      const totals = new Map<string, [Record<string, string>, number]>();
      for (const s of all)
        for (const [topic, byReason] of Object.entries(s.deadLettersByTopic ?? {}))
          for (const [reason, n] of Object.entries(byReason)) {
            const key = `${topic}\u0000${reason}`;
            const entry = totals.get(key) ?? [{ topic, reason }, 0];
            entry[1] += n;
            totals.set(key, entry);
          }
      return [...totals.values()];
    },
  );
  counter(
    'files_written_total',
    'Parquet files written and made durable.',
    [],
    total((s) => s.files),
  );
  counter(
    'written_bytes_total',
    'Bytes of Parquet written.',
    [],
    total((s) => s.bytesWritten),
  );
  counter(
    'rows_written_total',
    'Rows written, per table.',
    ['table'],
    byKey((s) => s.rowsByTable, 'table'),
  );
  gauge('open_segments', 'Files being filled (not yet rolled).', (all) =>
    sum(all.map((s) => s.openSegments ?? 0)),
  );
  gauge('open_bytes', 'Input bytes buffered in files not yet rolled.', (all) =>
    sum(all.map((s) => s.openBytes ?? 0)),
  );
  gauge('workers', 'Workers running in this process.', (all) => all.length);
}

/** Messages a process published, per topic, read from a counts() function (the simulator transport's). */
export function registerPublishMetrics(registry: Registry, counts: () => Record<string, number>): void {
  new Counter({
    name: `${PREFIX}messages_published_total`,
    help: 'Messages published to the broker and accepted by it, per topic.',
    labelNames: ['topic'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [topic, n] of Object.entries(counts())) this.inc({ topic }, n);
    },
  });
}

/** The game server's own counters. */
export function registerServerMetrics(
  registry: Registry,
  stats: () => {
    connections: number;
    gamesStarted: number;
    gamesTimedOut: number;
    attacks: number;
    protocolErrors: number;
    refused: number;
  },
): void {
  const fields = [
    ['server_connections_total', 'WebSocket connections accepted.', 'connections'],
    ['server_games_started_total', 'Games started on this server.', 'gamesStarted'],
    ['server_games_timed_out_total', 'Lobbies that timed out on this server.', 'gamesTimedOut'],
    ['server_attacks_total', 'Attacks played on this server.', 'attacks'],
    ['server_protocol_errors_total', 'Frames rejected as not following the protocol.', 'protocolErrors'],
    [
      'server_refused_total',
      'Connections closed by a limit (too many open, a login flood, a frame too large).',
      'refused',
    ],
  ] as const;
  for (const [name, help, key] of fields) {
    new Counter({
      name: `${PREFIX}${name}`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(stats()[key]);
      },
    });
  }
}

/**
 * The records the bench publishes: the simulator's own (a seeded tournament through the transport, captured
 * instead of published), so sizes and shapes are what a game server sends. The pool is cycled: every
 * publish gets a fresh msg_id (`<run>-<seq>`), which is what the oracle follows, and the game token as
 * key, so that per-key order means per-game order.
 */
import { HEADER_MSG_ID, type Message } from '../brokers/types.js';
import { loadRoster, runTournament, virtualClock } from '../simulator/index.js';
import { createSimulatorLogger } from '../transport/index.js';

export interface RecordPool {
  values: Uint8Array[];
  keys: string[];
  /**
   * Pool indexes per producer: every key belongs to one producer, which publishes one batch at a time, so
   * a key's records reach the broker in sequence order and "out of order per key" means the pipeline's.
   */
  lanes: number[][];
  /** Mean value size in bytes. */
  meanBytes: number;
}

/** Plays a seeded tournament and keeps what its logger would have published. */
export async function simulatorPool(players: number, loggerModule: string): Promise<RecordPool> {
  const captured: Message[] = [];
  const clock = virtualClock();
  const logger = createSimulatorLogger({
    loggerModule,
    level: 'INFO',
    stdout: false,
    clock,
    broker: { publish: async (ms) => void captured.push(...ms) },
    // The transport's own keying (--key-by game): a regex over the value missed the token, which sits
    // inside the JSON-encoded task string, and left every record on one key and one partition.
    keyBy: 'game',
  });
  await runTournament({ players, gamesPerPlayer: 2, seed: 12, roster: await loadRoster(), logger, clock });
  await logger.close();
  const values = captured.map((m) => m.value);
  const keys = captured.map((m) => m.key ?? 'lobby');
  const meanBytes = Math.round(values.reduce((n, v) => n + v.byteLength, 0) / Math.max(1, values.length));
  return { values, keys, lanes: [], meanBytes };
}

/** The pool split into `producers` lanes by key (see RecordPool.lanes); a lane may be empty. */
export function withLanes(pool: RecordPool, producers: number): RecordPool {
  const owner = new Map<string, number>();
  const lanes: number[][] = Array.from({ length: producers }, () => []);
  pool.keys.forEach((key, i) => {
    if (!owner.has(key)) owner.set(key, owner.size % producers);
    lanes[owner.get(key) ?? 0].push(i);
  });
  return { ...pool, lanes };
}

/** msg_id of publish `seq` of run `runId`: the oracle parses the sequence back out of it. */
export function benchMsgId(runId: string, seq: number): string {
  return `${runId}-${seq}`;
}

export function seqOf(runId: string, msgId: string): number | undefined {
  if (!msgId.startsWith(`${runId}-`)) return undefined;
  const n = Number(msgId.slice(runId.length + 1));
  return Number.isInteger(n) ? n : undefined;
}

/** Message `seq` of a run: pool record `index` on `topic`, with its msg_id. */
export function benchMessage(
  pool: RecordPool,
  index: number,
  topic: string,
  runId: string,
  seq: number,
): Message {
  const i = index % pool.values.length;
  return {
    topic,
    key: pool.keys[i],
    value: pool.values[i],
    headers: { [HEADER_MSG_ID]: benchMsgId(runId, seq) },
  };
}

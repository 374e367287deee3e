/**
 * Plumbing for the end-to-end proofs: a seeded tournament published to a broker (Kafka, RabbitMQ, NATS,
 * Redis Streams…) through the real transport (topics renamed per test so that tests and other users of
 * the shared broker never mix),
 * `heroflow` processes spawned from the build, and the Parquet output read back with hyparquet.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { brokerKind, openBroker } from '../../src/brokers/registry.js';
import { HEADER_MSG_ID, type Message } from '../../src/brokers/types.js';
import { loggerModuleFor } from '../../src/pipeline/index.js';
import { loadRoster, runTournament, virtualClock } from '../../src/simulator/index.js';
import { createSimulatorLogger, QUEUE_GAME, QUEUE_LOBBY } from '../../src/transport/index.js';

export const BIN = path.resolve('bin/heroflow.js');

export interface Published {
  prefix: string;
  lobby: string;
  game: string;
  topics: string[];
  total: number;
  byTopic: Record<string, number>;
  /** The producer's msg id (header heroflow-msg-id) of every record on `lobby` and `game`. */
  ids: Set<string>;
}

/**
 * Plays a seeded tournament with no worker listening; its records land on `<prefix>.lib.server.*`.
 * Kafka creates the topics with upstream's partition counts; other brokers ignore that option (a queue
 * broker keeps the records only where its topology exists before the first worker: RabbitMQ's publisher
 * declares the queue of its `queueGroup`, NATS and Redis Streams keep the stream itself).
 */
export async function publishTournament(
  brokerUrl: string,
  opts: { players: number; games: number; seed: number; prefix?: string },
): Promise<Published> {
  const prefix = opts.prefix ?? `hf-e2e-${randomBytes(4).toString('hex')}`;
  const lobby = `${prefix}.${QUEUE_LOBBY}`;
  const game = `${prefix}.${QUEUE_GAME}`;
  // Upstream's partition counts on the renamed topics (Kafka; harmless elsewhere).
  const broker = await openBroker(brokerUrl, { partitions: { [lobby]: 2, [game]: 4 }, defaultPartitions: 1 });
  const byTopic: Record<string, number> = {};
  const ids = new Set<string>();
  const target = {
    publish: async (messages: Message[]) => {
      const renamed = messages.map((m) => ({ ...m, topic: `${prefix}.${m.topic}` }));
      await broker.publish(renamed);
      for (const m of renamed) {
        byTopic[m.topic] = (byTopic[m.topic] ?? 0) + 1;
        const id = m.headers?.[HEADER_MSG_ID];
        if (id && (m.topic === lobby || m.topic === game)) ids.add(id);
      }
    },
  };
  const clock = virtualClock();
  const logger = createSimulatorLogger({
    loggerModule: loggerModuleFor(brokerKind(brokerUrl)),
    broker: target,
    stdout: false,
    clock,
  });
  await runTournament({
    players: opts.players,
    gamesPerPlayer: opts.games,
    seed: opts.seed,
    roster: await loadRoster(),
    logger,
    clock,
  });
  await logger.close();
  await broker.close();
  const total = (byTopic[lobby] ?? 0) + (byTopic[game] ?? 0);
  return { prefix, lobby, game, topics: [lobby, game], total, byTopic, ids };
}

export interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
}

/** Children still running; a test that timed out leaves its workers behind, and they would hold the file open. */
const running = new Set<ChildProcess>();
after(() => {
  for (const child of running) child.kill('SIGKILL');
});

export function heroflow(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.on('exit', () => running.delete(child));
  const p: Proc = { child, stdout: '', stderr: '', exit: Promise.resolve(null) };
  child.stdout?.on('data', (b) => {
    p.stdout += b;
  });
  child.stderr?.on('data', (b) => {
    p.stderr += b;
  });
  p.exit = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  return p;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.name.endsWith('.parquet')) out.push(full);
  }
  return out.sort();
}

/** Files of one table, relative to the output directory. */
export async function tableFiles(out: string, table: string): Promise<string[]> {
  return (await walk(path.join(out, table))).map((f) => path.relative(out, f));
}

export async function readTable(out: string, table: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const f of await tableFiles(out, table)) {
    const bytes = await readFile(path.join(out, f));
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows.push(...(await parquetReadObjects({ file, compressors })));
  }
  return rows;
}

/** buffer_meta holds one row per consumed message: its msg_ids are the proof of exactly-once. */
export async function msgIds(out: string): Promise<{ rows: number; unique: number; ids: Set<string> }> {
  const rows = await readTable(out, 'buffer_meta');
  const ids = new Set(rows.map((r) => String(r.msg_id)));
  return { rows: rows.length, unique: ids.size, ids };
}

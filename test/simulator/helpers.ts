/** A tournament run through the real logger into an in-test fake broker, records decoded. */
import type { Message } from '../../src/brokers/types.js';
import {
  generateRoster,
  runTournament,
  type TournamentSummary,
  virtualClock,
} from '../../src/simulator/index.js';
import { createSimulatorLogger } from '../../src/transport/index.js';

export interface Published {
  topic: string;
  headers: Record<string, string>;
  text: string;
  envelope: Record<string, unknown>;
}

export const roster = generateRoster();

export async function playRecorded(options: {
  players: number;
  gamesPerPlayer: number;
  seed: number | string;
  loggerModule?: string;
}): Promise<{ summary: TournamentSummary; published: Published[]; counts: Record<string, number> }> {
  const published: Published[] = [];
  const broker = {
    async publish(messages: Message[]) {
      for (const m of messages) {
        const text = Buffer.from(m.value).toString('utf8');
        published.push({ topic: m.topic, headers: m.headers ?? {}, text, envelope: JSON.parse(text) });
      }
    },
  };
  const clock = virtualClock();
  const logger = createSimulatorLogger({
    loggerModule: options.loggerModule ?? 'redis',
    broker,
    clock,
    stdout: false,
    batch: { batchSize: 64 },
  });
  const summary = await runTournament({ ...options, roster, logger, clock });
  await logger.close();
  return { summary, published, counts: logger.counts() };
}

export function task<T = Record<string, unknown>>(p: Published): T {
  const t = p.envelope.task;
  return (typeof t === 'string' ? JSON.parse(t) : t) as T;
}

/**
 * Records/s of the in-process tournament logging through pino into the embedded memory:// broker
 * (in-thread destination), and of the tournament alone with no transport (pino to a null stream).
 * Usage: node --import tsx bench/simulator.ts [players=200] [gamesPerPlayer=20]
 */
import pino from 'pino';
import { openBroker } from '../src/brokers/index.js';
import { generateRoster, runTournament, virtualClock } from '../src/simulator/index.js';
import { createSimulatorLogger, moduleLoggers } from '../src/transport/index.js';

const players = Number(process.argv[2] ?? 200);
const gamesPerPlayer = Number(process.argv[3] ?? 20);
const roster = generateRoster();

async function timed(label: string, run: () => Promise<number>) {
  const t0 = performance.now();
  const records = await run();
  const s = (performance.now() - t0) / 1000;
  console.log(`${label}: ${records} records in ${s.toFixed(2)} s = ${Math.round(records / s)} records/s`);
}

const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

await timed('tournament + pino, no transport', async () => {
  const clock = virtualClock();
  const root = pino({ base: undefined, timestamp: () => `,"time":${clock.now()}` }, { write: () => true });
  const s = await runTournament({
    players,
    gamesPerPlayer,
    seed: 1,
    roster,
    logger: moduleLoggers(root, 'bench'),
    clock,
  });
  return total(s.messages);
});

const broker = await openBroker('memory://bench-simulator');
await timed('tournament + transport → memory://', async () => {
  const clock = virtualClock();
  const logger = createSimulatorLogger({ loggerModule: 'memory', broker, clock, stdout: false });
  const s = await runTournament({ players, gamesPerPlayer, seed: 1, roster, logger, clock });
  await logger.close();
  const published = total(logger.counts());
  if (published !== total(s.messages)) throw new Error(`published ${published} of ${total(s.messages)}`);
  return published;
});
await broker.close();

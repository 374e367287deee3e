/**
 * Records/s of the in-process tournament logging through pino into the embedded memory:// broker
 * (in-thread destination), and of the tournament alone with no transport (pino to a null stream).
 *
 *   npm run bench:simulator -- [--players 200] [--games-per-player 20]
 *
 * The old positional form (`bench/simulator.ts 200 20`) still works.
 */
import pino from 'pino';
import { openBroker } from '../src/brokers/index.js';
import { generateRoster, runTournament, virtualClock } from '../src/simulator/index.js';
import { createSimulatorLogger, moduleLoggers } from '../src/transport/index.js';
import { benchArgs } from './cli-args.js';

const cli = benchArgs({
  usage: `usage: npm run bench:simulator -- [options]   (or the old form: [players] [gamesPerPlayer])
  --players N             players of the tournament (default 200)
  --games-per-player N    games each player plays (default 20)
  --help                  this text`,
  options: {
    players: { type: 'string', default: '200' },
    'games-per-player': { type: 'string', default: '20' },
  },
  positionals: ['players', 'games-per-player'],
});
const players = cli.wholeNumber('players');
const gamesPerPlayer = cli.wholeNumber('games-per-player', 0);
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

/**
 * Game server throughput: games/s and log records/s with 50, 200 and 1,000 bots, memory and Redis game
 * state. The server runs here (logging through the real transport into an in-thread memory:// broker);
 * the bots run in a separate process (`heroflow players`), as they would in production, so that they do
 * not share the server's event loop. SERVER_SLEEP is 5 ms, LOBBY_TIMEOUT 1 s.
 *
 *   node --import tsx bench/server.ts [--bots 50,200,1000] [--stores memory,redis]
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { openBroker } from '../src/brokers/index.js';
import { ensureHeroes, GameServer, openGameStore } from '../src/server/index.js';
import { generateRoster } from '../src/simulator/index.js';
import { createSimulatorLogger } from '../src/transport/index.js';
import { ensureBuilt } from '../test/helpers/cli.js';
import { benchArgs } from './cli-args.js';

const cli = benchArgs({
  usage: `usage: node --import tsx bench/server.ts [options]
  --bots a,b            bot counts, one run each (default 50,200,1000)
  --stores a,b          game state stores: memory, redis (default memory,redis)
  --player-games N      games played per run by all bots together: N / bots each, at least 1 (default 2000)
  --redis URL           the Redis of the redis store; its database is flushed (default redis://127.0.0.1:6379/9)
  --help                this text`,
  options: {
    bots: { type: 'string', default: '50,200,1000' },
    stores: { type: 'string', default: 'memory,redis' },
    'player-games': { type: 'string', default: '2000' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379/9' },
  },
});
const values = cli.values;
const BOTS = cli.wholeNumbers('bots');
const STORES = cli.listOf('stores', ['memory', 'redis']);
const PLAYER_GAMES = cli.wholeNumber('player-games');
ensureBuilt();

async function runBots(url: string, count: number, games: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        'bin/heroflow.js',
        'players',
        '--count',
        String(count),
        '--games',
        String(games),
        '--url',
        url,
        '--client-sleep',
        '0.05',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`players exited with ${code}`))));
  });
}

async function one(state: string, bots: number) {
  if (state.startsWith('redis')) {
    const r = new Redis(state);
    await r.flushdb();
    r.disconnect();
  }
  const store = await openGameStore(state);
  await ensureHeroes(store, async () => generateRoster());
  const broker = await openBroker(`memory://bench-server-${bots}-${Date.now()}`);
  const logger = createSimulatorLogger({ loggerModule: 'memory', broker, stdout: false });
  const server = new GameServer({
    store,
    logger,
    port: 0,
    serverSleepMs: 5,
    lobbyTimeoutMs: 1000,
    expirySeconds: 5,
  });
  const { port } = await server.listen();
  const games = Math.max(1, Math.round(PLAYER_GAMES / bots));
  const started = performance.now();
  await runBots(`ws://127.0.0.1:${port}`, bots, games);
  const seconds = (performance.now() - started) / 1000;
  await server.close();
  await logger.close();
  const records = Object.values(logger.counts()).reduce((a, b) => a + b, 0);
  await store.close();
  await broker.close();
  return {
    store: state.split(':')[0],
    bots,
    'games/bot': games,
    'games started': server.stats.gamesStarted,
    'timed out': server.stats.gamesTimedOut,
    attacks: server.stats.attacks,
    seconds: Number(seconds.toFixed(1)),
    'games/s': Math.round(server.stats.gamesStarted / seconds),
    'records/s': Math.round(records / seconds),
  };
}

const rows = [];
for (const s of STORES) {
  for (const bots of BOTS) {
    rows.push(await one(s === 'redis' ? values.redis : 'memory://', bots));
    console.error(JSON.stringify(rows.at(-1)));
  }
}
console.table(rows);

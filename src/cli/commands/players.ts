/** `heroflow players`: many bots in one process, for load; a progress line and a summary. */
import type { Command } from 'commander';
import { addSettings, readSettings } from '../options.js';
import { table } from '../summary.js';
import { serverUrlOf } from './player.js';

const SETTING_NAMES = [
  'botCount',
  'serverUrl',
  'websocketHost',
  'websocketPort',
  'games',
  'clientSleep',
  'broker',
  'loggerModule',
  'wire',
  'keyBy',
  'logLevel',
] as const;

export function registerPlayers(program: Command): void {
  const cmd = program
    .command('players')
    .description('Run --count bots in this process against a game server, each playing --games games.');
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async () => {
    const s = readSettings(cmd, SETTING_NAMES);
    const { openSimulatorLogger } = await import('../../pipeline/index.js');
    const { runFleet } = await import('../../player/index.js');
    const { createProgress } = await import('../progress.js');
    const { logger, broker } = await openSimulatorLogger(s);
    const started = Date.now();
    const bar = createProgress('games', s.botCount * s.games, 'player-games');
    try {
      const totals = await runFleet({
        url: serverUrlOf(s),
        count: s.botCount,
        games: s.games,
        clientSleepMs: s.clientSleep * 1000,
        // Thousands of bots print nothing per game: `Starting Game` goes out only through a broker.
        logger: logger.loggerModule === 'default' ? undefined : logger,
        onGame: (_, t) => bar.update(t.games),
      });
      bar.stop();
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `\nplayers summary (${seconds.toFixed(1)} s)\n${table([
          ['server', serverUrlOf(s)],
          ['bots × games', `${s.botCount} × ${s.games}`],
          ['player-games', totals.games],
          ['completed', totals.completed],
          ['timed out', totals.timedOut],
          ['attacks', totals.attacks],
          ['retries', totals.retries],
          ['player-games/s', Math.round(totals.games / Math.max(seconds, 0.001))],
          ['attacks/s', Math.round(totals.attacks / Math.max(seconds, 0.001))],
        ])}`,
      );
    } finally {
      await logger.close();
      await broker?.close();
    }
  });
}

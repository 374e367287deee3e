/** `heroflow player`: one bot, upstream's client loop (CLIENT_GAMES games against the server). */
import type { Command } from 'commander';
import { addSettings, readSettings } from '../options.js';
import { table } from '../summary.js';

const SETTING_NAMES = [
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

/** --url, else upstream's WEBSOCKET_HOST/WEBSOCKET_PORT. */
export function serverUrlOf(s: { serverUrl?: string; websocketHost: string; websocketPort: number }): string {
  return s.serverUrl ?? `ws://${s.websocketHost}:${s.websocketPort}`;
}

export function registerPlayer(program: Command): void {
  const cmd = program
    .command('player')
    .description(
      "Run one bot player against a game server (upstream's client: login, find a game of 2 or 3, play it), --games times.",
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async () => {
    const s = readSettings(cmd, SETTING_NAMES);
    const { openSimulatorLogger } = await import('../../pipeline/index.js');
    const { Player } = await import('../../player/index.js');
    const { logger, broker } = await openSimulatorLogger(s);
    const started = Date.now();
    try {
      const player = new Player({
        url: serverUrlOf(s),
        games: s.games,
        clientSleepMs: s.clientSleep * 1000,
        logger,
      });
      const stats = await player.run();
      console.error(
        `\nplayer done (${((Date.now() - started) / 1000).toFixed(1)} s)\n${table([
          ['games', stats.games],
          ['completed', stats.completed],
          ['timed out', stats.timedOut],
          ['attacks', stats.attacks],
          ['retries', stats.retries],
        ])}`,
      );
    } finally {
      await logger.close();
      await broker?.close();
    }
  });
}

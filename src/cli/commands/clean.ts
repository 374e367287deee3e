/**
 * `heroflow clean`: upstream's clean worker. Consumes lib.server.lobby and expires a finished game's
 * Redis keys REDIS_EXPIRY seconds after its `Cleaning Game Records`. Stops on SIGINT/SIGTERM.
 */
import type { Command } from 'commander';
import { openBroker } from '../../brokers/index.js';
import { addSettings, readSettings } from '../options.js';
import { untilSignal } from '../signals.js';
import { table } from '../summary.js';
import { sharedStateUrl } from './db.js';

const SETTING_NAMES = [
  'broker',
  'gameState',
  'redisHost',
  'redisPort',
  'redisDb',
  'redisExpiry',
  'cleanGroup',
  'from',
] as const;

export function registerClean(program: Command): void {
  const cmd = program
    .command('clean')
    .description(
      "Run the clean routine: consume lib.server.lobby and let each finished game's keys expire after REDIS_EXPIRY seconds, so Redis stays bounded.",
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.action(async () => {
    const s = readSettings(cmd, SETTING_NAMES);
    const url = sharedStateUrl(s);
    const { openGameStore, runCleaner } = await import('../../server/index.js');
    const store = await openGameStore(url);
    const broker = await openBroker(s.broker);
    const abort = new AbortController();
    try {
      const run = runCleaner({
        broker,
        store,
        expirySeconds: s.redisExpiry,
        group: s.cleanGroup,
        from: s.from,
        signal: abort.signal,
      });
      console.error(`cleaning games in ${store.url} from ${broker.url} (expiry ${s.redisExpiry} s)`);
      const signal = await Promise.race([untilSignal(), run.then(() => 'end' as const)]);
      abort.abort();
      const stats = await run;
      console.error(
        `\nclean stopped (${signal})\n${table([
          ['messages', stats.messages],
          ['games cleaned (records)', stats.cleaned],
          ['other records', stats.skipped],
        ])}`,
      );
    } finally {
      await broker.close();
      await store.close();
    }
  });
}

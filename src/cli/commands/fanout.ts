/**
 * `heroflow fanout`: seed 000's narrowcast middleware. Listens on the topic channels of a Redis Pub/Sub
 * broker and republishes each message to one live `redis+fanout` member per group (round robin, or random
 * as upstream did). Messages that find no member are dropped and counted: nothing is kept.
 *
 *   heroflow fanout --broker 'redis://127.0.0.1:6379/0?prefix=redis.' --topics lib.server.lobby,lib.server.game
 */
import type { Command } from 'commander';
import { HeroflowError } from '../../errors.js';
import { addSettings, readSettings } from '../options.js';

const SETTING_NAMES = ['broker', 'topics', 'logLevel'] as const;

export function registerFanout(program: Command): void {
  const cmd = program
    .command('fanout')
    .description(
      'Run the Redis fan-out (narrowcast) middleware: every message on a topic channel goes to ONE live redis+fanout worker per group (<topic>.<group>.<worker>). Nothing is kept while no worker lives. Stops on SIGINT/SIGTERM.',
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.option('--pick <how>', 'how a worker of a group is chosen: round-robin or random', 'round-robin');
  cmd.option('--cache-ms <ms>', 'how long the list of worker channels is reused', '1000');
  cmd.option('--every <s>', 'seconds between progress lines on stderr (0: none)', '5');
  cmd.action(async (flags: { pick: string; cacheMs: string; every: string }) => {
    const s = readSettings(cmd, SETTING_NAMES);
    if (!/^redis(\+fanout)?:\/\//i.test(s.broker)) {
      throw new HeroflowError(
        'HF_CONFIG_INVALID',
        `--broker must be a redis:// or redis+fanout:// URL for the fan-out middleware, not '${s.broker.split('?')[0]}'.`,
      );
    }
    if (flags.pick !== 'round-robin' && flags.pick !== 'random') {
      throw new HeroflowError(
        'HF_CONFIG_INVALID',
        `--pick must be round-robin or random, not '${flags.pick}'.`,
      );
    }
    const cacheMs = Number(flags.cacheMs);
    const every = Number(flags.every);
    if (!(cacheMs >= 0) || !(every >= 0)) {
      throw new HeroflowError('HF_CONFIG_INVALID', '--cache-ms and --every must be non-negative numbers.');
    }
    const { createCliLog } = await import('../log.js');
    const log = createCliLog(s.logLevel, 'heroflow.fanout');
    const { FanoutMiddleware } = await import('../../brokers/redis/index.js');
    const mw = new FanoutMiddleware({ url: s.broker, topics: s.topics, pick: flags.pick, cacheMs, log });
    await mw.start();
    const started = Date.now();
    const line = () => {
      const { received, forwarded, dropped } = mw.stats();
      const secs = (Date.now() - started) / 1000;
      return `fanout ${mw.url} [${s.topics.join(', ')}]: received ${received}, forwarded ${forwarded}, dropped (no worker) ${dropped}, ${secs.toFixed(0)} s`;
    };
    console.error(`${line()} — listening; Ctrl-C stops`);
    const timer = every > 0 ? setInterval(() => console.error(line()), every * 1000) : undefined;
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    if (timer) clearInterval(timer);
    await mw.stop();
    console.log(line());
  });
}

/**
 * `heroflow db load`: upstream build_db — fill `superheros` in the shared game state from the bundled
 * roster, a superhero.json (--heroes), or superheroapi.com when API_TOKEN is set.
 */
import type { Command } from 'commander';
import { HeroflowError } from '../../errors.js';
import { addSettings, readSettings } from '../options.js';

const SETTING_NAMES = ['heroes', 'apiToken', 'gameState', 'redisHost', 'redisPort', 'redisDb'] as const;

/** --state, else upstream's REDIS_HOST/REDIS_PORT/REDIS_DB. */
export function sharedStateUrl(s: {
  gameState?: string;
  redisHost: string;
  redisPort: number;
  redisDb: number;
}): string {
  const url = s.gameState ?? `redis://${s.redisHost}:${s.redisPort}/${s.redisDb}`;
  if (url.startsWith('memory:')) {
    throw new HeroflowError(
      'HF_STATE_URL',
      'memory:// game state lives inside one server process; give a shared store (--state redis://host:6379/0). A memory:// server loads its roster itself (heroflow server --heroes FILE).',
    );
  }
  return url;
}

export function registerDb(program: Command): void {
  const db = program.command('db').description('Game state database tasks (upstream build_db).');
  const cmd = db
    .command('load')
    .description(
      'Load the hero roster into the game state (`superheros`): --heroes FILE, else superheroapi.com when API_TOKEN is set, else the bundled roster.',
    );
  addSettings(cmd, SETTING_NAMES);
  cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  cmd.action(async () => {
    const s = readSettings(cmd, SETTING_NAMES);
    const url = sharedStateUrl(s);
    const { openGameStore, pullHeroes, storedHeroes } = await import('../../server/index.js');
    const { loadRoster } = await import('../../simulator/index.js');
    const roster = s.heroes
      ? await loadRoster(s.heroes)
      : s.apiToken
        ? await pullHeroes({ token: s.apiToken })
        : await loadRoster();
    const store = await openGameStore(url);
    try {
      await store.loadHeroes(storedHeroes(roster));
      console.log(
        `loaded ${roster.heroes.length} heroes from ${roster.source} into ${store.url} (superheros)`,
      );
    } finally {
      await store.close();
    }
  });
}
